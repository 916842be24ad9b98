#!/usr/bin/env bash
# Search load benchmark on N generated places (default 1,000,000): lieux over HTTP (wrk) and
# PostgreSQL 15 + PostGIS (pgbench) on the same places and the same queries, in one run, at the
# same concurrency. Workloads (benches/search/queries.py, seeded): text only, text + radius,
# radius only, and completion.
#
#   benches/search-bench.sh [N] [SECONDS] [CLIENTS]
#
# Everything generated goes to bench-data/ (git-ignored); servers listen on 127.0.0.1 or a unix
# socket only and are stopped at the end. Prints a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
seconds=${2:-10}
clients=${3:-16}
queries=400
. benches/common.sh
. benches/pg.sh
command -v pgbench >/dev/null || pg_install
places "$n"
python3 benches/search/queries.py data/communes.csv bench-data/search "$queries" 7
workloads="text text-radius radius suggest"

# lieux, alone on the machine.
"$bin" serve --index "bench-data/index-$n" --bind 127.0.0.1:18083 > bench-data/serve-search.log 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; pg_stop' EXIT
for _ in $(seq 1 1200); do grep -q 'listening on' bench-data/serve-search.log && break; sleep 0.1; done
declare -A l_rps l_p50 l_p99 l_err p_tps p_p50 p_p99
for w in $workloads; do
  read -r l_rps[$w] l_p50[$w] l_p99[$w] l_err[$w] < <(wrk_paths 18083 "bench-data/search/$w.paths" \
    "$clients" "$seconds" "bench-data/wrk-search-$w.log")
done
kill $server; wait $server 2>/dev/null || true

# PostgreSQL, alone on the machine.
pg_start
load_s=$(pg_load "$csv")
pg_psql <<'SQL'
CREATE TABLE q_text (i int PRIMARY KEY, t text);
CREATE TABLE q_text_radius (i int PRIMARY KEY, t text, lon float8, lat float8, r float8);
CREATE TABLE q_radius (i int PRIMARY KEY, lon float8, lat float8, r float8);
CREATE TABLE q_suggest (i int PRIMARY KEY, t text);
SQL
for w in $workloads; do
  pg_psql -c "\\copy q_${w//-/_} FROM STDIN CSV" < "bench-data/search/$w.csv"
done
pg_psql -c "ANALYZE;"
for w in $workloads; do
  read -r p_tps[$w] p_p50[$w] p_p99[$w] < <(pg_bench "benches/search/$w.sql" "$clients" "$seconds" \
    "$queries" "bench-data/pgbench-search-$w.log")
done

echo "| workload ($clients clients, ${seconds} s, $queries queries, $n places) | lieux requests/s | p50 | p99 | errors | PostgreSQL tx/s | p50 | p99 | lieux / PostgreSQL |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for w in $workloads; do
  ratio=$(echo "scale=1; ${l_rps[$w]} / ${p_tps[$w]}" | bc)
  echo "| $w | ${l_rps[$w]} | ${l_p50[$w]} ms | ${l_p99[$w]} ms | ${l_err[$w]} | ${p_tps[$w]} | ${p_p50[$w]} ms | ${p_p99[$w]} ms | ${ratio}× |"
done
echo
echo "PostgreSQL load and indexing of the CSV: ${load_s} s"
