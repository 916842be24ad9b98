#!/usr/bin/env bash
# Live data: how long a moderator's accept takes to reach the map, and what accepting costs the
# readers, on N generated places (seed 42).
#
#   benches/live-bench.sh [N=1000000] [ROUNDS=100] [SECONDS=10]
#
# 1. ROUNDS accepts back to back (benches/live/accept.py): from the accept request to the
#    change in /search and in a freshly fetched tile, against /health in the same run; then
#    ROUNDS/5 that also move the place (a new position: the cluster hierarchy changes).
# 2. Accept to visible with accepts started 5 a second whatever the server does (an open loop:
#    several moderators at once, `accept.py --rate 5`), for SECONDS: the accepts taken together
#    form batches.
# 3. The tile and search workloads of benches/ab.sh at 16 connections for SECONDS each, without
#    accepts, then with accepts started 5 a second, the same paths: requests/s, p99, failed
#    answers and the tile cache's hit rate (benches/live/cache_hits.py), and the server's peak
#    RSS: at rest is the peak while both read workloads were served once, before any change
#    (warm caches), against the peak over the whole run.
# 4. The stages of the batches the server applied, from its log (benches/live/stages.py).
# Prints a Markdown report. Not in CI.
set -euo pipefail
cd "$(dirname "$0")/.."
. benches/common.sh
n=${1:-1000000} rounds=${2:-100} seconds=${3:-10}
places "$n"
work=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null; rm -rf "$work"' EXIT
token=a-bench-token-of-enough-length
echo "$token" > "$work/token"

"$bin" serve --bind 127.0.0.1:0 --index "bench-data/index-$n" --state-dir "$work/state" \
  --admin-token-file "$work/token" --rate-limit write=off --work-dir "$work/builds" \
  < /dev/null 2> "$work/serve.log" &
server=$!
pids+=("$server")
port=$(listening_port "$work/serve.log" "$server")
[ -n "$port" ] || { cat "$work/serve.log" >&2; exit 1; }
base=http://127.0.0.1:$port
loaded=$(awk '/VmRSS/ { printf "%d\n", $2 / 1024 }' "/proc/$server/status")
# At rest is serving without changes: both read workloads once, their caches warm (the tile
# cache fills, the allocator takes what queries need), then the peak so far.
python3 benches/tiles/tile_list.py | sed 's|^|/tiles/|; s|$|.mvt|' > "$work/tiles"
python3 benches/search/mix.py > "$work/search"
for workload in tiles search; do
  wrk_paths "$port" "$work/$workload" 16 5 "$work/warm.log" > /dev/null
done
resting=$(peak_rss_mib "$server")

echo "Accept to visible, $rounds rounds back to back (\`benches/live/accept.py $base TOKEN $rounds\`):"
echo
echo '```'
python3 benches/live/accept.py "$base" "$token" "$rounds" | tail -3
echo '```'
echo

# The tile cache's hit rate of the last window (benches/live/cache_hits.py), with the swaps of
# index it saw; searches ask no tile.
hit_rate() {
  read -r rate _ _ swaps < "$work/hits"
  [ "$workload" = tiles ] && echo "$rate ($swaps swaps)" || echo "-"
}

move_rounds=$(( rounds / 5 > 0 ? rounds / 5 : 1 ))
echo "Accept to visible, $move_rounds rounds back to back that also move the place about 20 m (\`benches/live/accept.py $base TOKEN $move_rounds --move\`):"
echo
echo '```'
python3 benches/live/accept.py "$base" "$token" "$move_rounds" --move --seed 3 | tail -3
echo '```'
echo

rate_rounds=$(( seconds * 5 ))
echo "Accept to visible, $rate_rounds accepts started 5 a second (\`benches/live/accept.py $base TOKEN $rate_rounds --rate 5\`):"
echo
echo '```'
python3 benches/live/accept.py "$base" "$token" "$rate_rounds" --rate 5 --seed 5 | tail -3
echo '```'
echo

echo "| workload, 16 connections, ${seconds} s | accepts | requests/s | p99 ms | errors | accepts done | tile-cache hit rate |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
for workload in tiles search; do
  # Warm the caches the same way for both runs.
  wrk_paths "$port" "$work/$workload" 16 2 "$work/warm.log" > /dev/null
  python3 benches/live/cache_hits.py "$base" "$seconds" > "$work/hits" &
  hits=$!
  read -r rps _ p99 _ errors < <(wrk_paths "$port" "$work/$workload" 16 "$seconds" "$work/wrk.log")
  wait "$hits"
  echo "| $workload | none | $rps | $p99 | $errors | 0 | $(hit_rate) |"
  python3 benches/live/accept.py "$base" "$token" 100000 --rate 5 --seed "$RANDOM" \
    > "$work/accepts.log" 2>&1 &
  accepter=$!
  pids+=("$accepter")
  python3 benches/live/cache_hits.py "$base" "$seconds" > "$work/hits" &
  hits=$!
  read -r rps _ p99 _ errors < <(wrk_paths "$port" "$work/$workload" 16 "$seconds" "$work/wrk.log")
  wait "$hits"
  kill "$accepter" 2>/dev/null || true
  wait "$accepter" 2>/dev/null || true
  # The accepts already taken are applied before the next window starts.
  until curl -fsS "$base/metrics" | grep -q '^lieux_reload_running 0'; do sleep 0.2; done
  done_=$(grep -c '^[0-9]' "$work/accepts.log" || true)
  echo "| $workload | 5 a second | $rps | $p99 | $errors | $done_ | $(hit_rate) |"
done
echo
echo "Server RSS: $loaded MiB after loading; $resting MiB at rest (the peak while serving both read workloads, no change yet); peak $(peak_rss_mib "$server") MiB over the run."
echo
python3 benches/live/stages.py "$work/serve.log"
