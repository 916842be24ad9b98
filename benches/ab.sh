#!/usr/bin/env bash
# Compares two builds of lieux on a noisy machine: both serve the same index, and wrk runs
# against one then the other, alternating, ROUNDS times per workload, so that a change of the
# machine's load falls on both.
#
#   benches/ab.sh A_BINARY B_BINARY INDEX_DIR [ROUNDS=4] [SECONDS=10] [NAME=PATHS_FILE...]
#
# NAME=PATHS_FILE pairs replace the workloads below with files of request paths, one a line,
# at 16 connections (the harness's own: benches/search/queries.py writes text.paths,
# text-radius.paths…).
#
# Workloads (2 wrk threads, gzip accepted):
#   tiles    16 connections: the pan-and-zoom tile path of benches/tiles/tile_list.py;
#   search   16 connections: text, text + 20 km radius and nearest, at seeded positions over France;
#   exports  the soak's CSV and GeoJSON exports, at 4 connections (the server's export slots).
# Prints one line per round, workload and build: requests/s, and non-2xx answers when any.
# Both servers stay up for the whole run (one idles while the other is measured); their VmRSS
# at the end is printed too. Not in CI.
set -euo pipefail
cd "$(dirname "$0")/.."
. benches/common.sh
[ $# -ge 3 ] || { echo "usage: benches/ab.sh A_BINARY B_BINARY INDEX_DIR [ROUNDS] [SECONDS]" >&2; exit 2; }
a=$1 b=$2 index=$3 rounds=${4:-4} seconds=${5:-10}
shift $(( $# < 5 ? $# : 5 ))
command -v wrk >/dev/null || { echo "benches/ab.sh needs wrk (apt-get install wrk)" >&2; exit 1; }
work=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -rf "$work"' EXIT

python3 benches/tiles/tile_list.py | sed 's|^|/tiles/|; s|$|.mvt|' > "$work/tiles"
python3 benches/search/mix.py > "$work/search"
python3 -c "
import re
for m in re.findall(r'\"(/search\?[^\"]*format=[a-z]+[^\"]*)\"', open('benches/soak.py').read()): print(m)
" > "$work/exports"

ports=()
for binary in "$a" "$b"; do
  RUST_LOG=warn "$binary" serve --index "$index" --state-dir bench-data/state --bind 127.0.0.1:0 --rate-limit write=off \
    < /dev/null > /dev/null 2> "$work/log-${#ports[@]}" &
  pids+=($!)
  port=$(listening_port "$work/log-${#ports[@]}" "${pids[-1]}")
  [ -n "$port" ] || { echo "$binary did not listen:" >&2; cat "$work/log-${#ports[@]}" >&2; exit 1; }
  ports+=("$port")
done
load() { # PORT WORKLOAD SECONDS
  local connections=16
  [ "$2" = exports ] && connections=4
  PATHS_FILE="$work/$2" ACCEPT_ENCODING=gzip wrk -t2 -c"$connections" -d"$3"s -s benches/tiles/paths.lua \
    "http://127.0.0.1:$1" | grep -E "Requests/sec|Non-2xx" | tr -s ' \n' ' '
}
names=("A $a" "B $b")
workloads=(tiles search exports)
if [ $# -gt 0 ]; then
  workloads=()
  for pair in "$@"; do
    cp "${pair#*=}" "$work/${pair%%=*}"
    workloads+=("${pair%%=*}")
  done
fi
for port in "${ports[@]}"; do load "$port" "${workloads[0]}" 3 > /dev/null; done # warm the caches
for round in $(seq 1 "$rounds"); do
  for workload in "${workloads[@]}"; do
    for i in 0 1; do
      echo "round $round $workload ${names[$i]}: $(load "${ports[$i]}" "$workload" "$seconds")"
    done
  done
done
for i in 0 1; do echo "${names[$i]}: $(grep VmRSS "/proc/${pids[$i]}/status" | tr -s ' \t' ' ')"; done
