#!/usr/bin/env bash
# The benchmark harness: lieux and its peers (PostgreSQL + PostGIS, supercluster) on the same
# generated places, in one run, and the report.
#
#   benches/run.sh            # 1,000,000 places, 10 s per workload at 1, 16 and 64 connections
#                             # (about 20 minutes); rewrites the measured part of BENCHMARKS.md
#   benches/run.sh --smoke    # 10,000 places, 1 s per workload at 16 connections: checks that
#                             # the harness runs end to end and that no request failed (CI);
#                             # checks no timing, and writes bench-data/report-smoke.md only
#
# Steps: benches/index-bench.sh (index and load, against PostgreSQL's load and indexing),
# benches/tiles-bench.sh (tiles, against PostGIS ST_AsMVT and supercluster), and
# benches/search-bench.sh (search, against PostgreSQL). The in-process criterion benches are
# separate: `cargo bench --bench engine`.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = --smoke ]; then
  n=10000 seconds=1 levels=16 out=bench-data/report-smoke.md
else
  n=${1:-1000000} seconds=${2:-10} levels="1 16 64" out=bench-data/report.md
fi
command -v bc >/dev/null && command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq bc time >/dev/null; }
mkdir -p bench-data
started=$(date -u +%FT%TZ)
version() { "$@" 2>/dev/null | head -1 || echo "not found"; }
{
  echo "<!-- harness:begin (written by benches/run.sh; edit the text outside these markers) -->"
  echo
  echo "## Measured by the harness"
  echo
  echo "Command: \`benches/run.sh ${*}\`, started $started. $n generated places (seed 42), ${seconds} s per workload and connection level ($levels). wrk and pgbench run on the same cores as the servers; each server runs alone."
  echo
  echo "Machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(free -g | awk '/Mem:/ { print $2 }') GiB, $(uname -sr)."
  echo "Versions: lieux $(grep -m1 '^version' Cargo.toml | cut -d'"' -f2), $(version rustc --version), node $(version node --version), supercluster $(node -p "require('./bench-data/node_modules/supercluster/package.json').version" 2>/dev/null || echo "(installed by tiles-bench)"), $(version /usr/lib/postgresql/15/bin/postgres --version), PostGIS $(dpkg-query -W -f '${Version}' postgresql-15-postgis-3 2>/dev/null || echo "?"), $(version wrk --version 2>&1 | head -1 | cut -d' ' -f1-2)."
  echo
  echo "### Indexing and loading"
  echo
  benches/index-bench.sh "$n"
  echo
  echo "### Tiles"
  echo
  benches/tiles-bench.sh "$n" "$seconds" "$levels"
  echo
  echo "### Search"
  echo
  benches/search-bench.sh "$n" "$seconds" "$levels"
  echo
  echo "Finished $(date -u +%FT%TZ)."
  echo
  echo "<!-- harness:end -->"
} > "$out.tmp"
mv "$out.tmp" "$out"
# Every workload row must report zero failed requests (the errors column), in smoke and full
# runs alike: a harness that measures failures is measuring nothing.
failed=$(awk -F'|' '
  /\| *errors *\|/ { for (i = 1; i <= NF; i++) if ($i ~ /^ *errors *$/) col = i; next }
  /^\| ---/ { next }
  /^\|/ && col && $col + 0 > 0 { print }
  /^$/ { col = 0 }' "$out")
if [ -n "$failed" ]; then
  echo "requests failed:" >&2; echo "$failed" >&2; exit 1
fi
rows=$(grep -c ' ms |' "$out")
[ "$rows" -ge 10 ] || { echo "the report has only $rows rows of figures" >&2; exit 1; }
if [ "${1:-}" != --smoke ]; then
  python3 - "$out" <<'PY'
import re, sys
report = open(sys.argv[1], encoding="utf-8").read()
text = open("BENCHMARKS.md", encoding="utf-8").read()
pattern = re.compile(r"<!-- harness:begin.*?<!-- harness:end -->\n?", re.S)
if pattern.search(text):
    text = pattern.sub(lambda _: report, text, count=1)
else:
    head, _, rest = text.partition("\n\n")
    text = head + "\n\n" + report + "\n" + rest
open("BENCHMARKS.md", "w", encoding="utf-8").write(text)
PY
fi
echo "report: $out"
