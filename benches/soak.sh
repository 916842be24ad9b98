#!/usr/bin/env bash
# Soak run: one lieux server for MINUTES (default 30) on PLACES generated places (default
# 100,000), under mixed traffic (60% tiles, 35% search, 5% CSV and GeoJSON exports) from 4
# keep-alive client threads, with `POST /admin/reload` of the same index every minute. It
# measures what the load benchmarks cannot see in their seconds per workload: resident memory
# over time (flat from reload to reload, no growth), failed answers (zero) and p50/p99 per
# five-minute window and kind.
#
#   benches/soak.sh [MINUTES] [PLACES]     # benches/soak.sh 2 20000: a two-minute trial
#
# Not in CI. Uses target/release/lieux (built only when missing); everything generated goes to
# bench-data/soak/ (git-ignored): the places and index, a random admin token, the server's log
# (serve.log), the RSS samples (rss.csv) and report.md. The server listens on 127.0.0.1 only, on
# a port of the kernel's choice, and is stopped at the end, on Ctrl-C too. The client is
# benches/soak.py (its header says what it sends and what counts as a failure). Prints the
# Markdown section, writes it into BENCHMARKS.md between <!-- soak:begin --> and
# <!-- soak:end --> (appended at the end when the markers are absent), and exits non-zero when
# any request or reload failed or RSS after the last reload is more than 10% above RSS after
# the first.
set -euo pipefail
cd "$(dirname "$0")/.."
. benches/common.sh
minutes=${1:-30}
places=${2:-100000}
[[ $minutes =~ ^[0-9]+([.][0-9]+)?$ ]] || { echo "usage: benches/soak.sh [MINUTES] [PLACES]" >&2; exit 2; }
[[ $places =~ ^[0-9]+$ ]] || { echo "usage: benches/soak.sh [MINUTES] [PLACES]" >&2; exit 2; }
command="benches/soak.sh${*:+ $*}"
bin=target/release/lieux
dir=bench-data/soak
[ -x "$bin" ] || cargo build --release --quiet
mkdir -p "$dir"

server= client=
cleanup() {
  if [ -n "$client" ]; then kill "$client" 2>/dev/null || true; fi
  if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then
    kill "$server" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$server" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$server" 2>/dev/null || true
  fi
  wait 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "soak: generating and indexing $places places in $dir" >&2
"$bin" generate --count "$places" --seed 42 --out "$dir/places.csv"
RUST_LOG=warn "$bin" index "$dir/places.csv" --out "$dir/index" 2> "$dir/index.log" ||
  { echo "lieux index failed ($dir/index.log):" >&2; tail -5 "$dir/index.log" >&2; exit 1; }
# A fresh random token each run, readable by its owner only (at least 16 characters).
(umask 077; head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$dir/admin-token")

# The server runs in the background: $! is the lieux process itself, whose VmRSS is sampled.
RUST_LOG=warn "$bin" serve --index "$dir/index" --state-dir "$dir/state" --bind 127.0.0.1:0 \
  --admin-token-file "$dir/admin-token" --rate-limit write=off \
  < /dev/null > /dev/null 2> "$dir/serve.log" &
server=$!
port=$(listening_port "$dir/serve.log" "$server")
[ -n "$port" ] || { echo "lieux did not start ($dir/serve.log):" >&2; tail -5 "$dir/serve.log" >&2; exit 1; }
echo "soak: lieux (pid $server) on 127.0.0.1:$port for $minutes min, a reload every minute" >&2

commit=
if rev=$(git rev-parse --short HEAD 2>/dev/null); then
  commit=" at commit $rev"
  [ -z "$(git status --porcelain --untracked-files=no 2>/dev/null)" ] || commit+=" (with uncommitted changes)"
fi
# In the background so that Ctrl-C and SIGTERM reach the traps at once, not after the run.
python3 benches/soak.py --port "$port" --pid "$server" --token-file "$dir/admin-token" \
  --minutes "$minutes" --places "$places" --command "$command" \
  --version "$("$bin" --version)" --commit "$commit" --log "$dir/serve.log" --out "$dir" \
  > "$dir/report.md.tmp" &
client=$!
status=0
wait "$client" || status=$?
client=
grep -q '^## Soak run' "$dir/report.md.tmp" ||
  { echo "soak: the client stopped without a report (exit $status)" >&2; exit "$(( status ? status : 1 ))"; }
mv "$dir/report.md.tmp" "$dir/report.md"
cat "$dir/report.md"

python3 - "$dir/report.md" <<'PY'
import re, sys
section = open(sys.argv[1], encoding="utf-8").read().strip("\n")
block = "<!-- soak:begin -->\n\n" + section + "\n\n<!-- soak:end -->"
text = open("BENCHMARKS.md", encoding="utf-8").read()
pattern = re.compile(r"<!-- soak:begin -->.*?<!-- soak:end -->", re.S)
if pattern.search(text):
    text = pattern.sub(lambda _: block, text, count=1)
else:
    text = text.rstrip("\n") + "\n\n" + block + "\n"
open("BENCHMARKS.md", "w", encoding="utf-8").write(text)
PY
echo "soak: report in $dir/report.md and BENCHMARKS.md" >&2
exit "$status"
