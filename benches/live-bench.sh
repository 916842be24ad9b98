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
# 3. The tile and search workloads of benches/ab.sh at 16 connections, in windows of SECONDS
#    without accepts and with accepts started 5 a second, alternating, three of each, the same
#    paths: requests/s, p99, failed answers and the tile cache's hit rate
#    (benches/live/cache_hits.py). These accepts do not
#    wait to see their change (`accept.py --no-wait`): a round that polls /search and a tile
#    until it does is a read load of its own, which the run without accepts does not have.
#    The server's peak RSS: at rest is the peak while both read workloads were served once,
#    before any change (warm caches), against the peak of each part of the run (the kernel's
#    peak is reset between parts, /proc/PID/clear_refs).
# 4. The stages of the batches the server applied, from its log (benches/live/stages.py).
# Prints a Markdown report. Not in CI. WINDOW_ARGS=--move makes the windows' accepts move
# their places too (a batch that moves places makes the hierarchy again, and its tiles carried
# over are checked against it): what readers lose to a stream of moves.
set -euo pipefail
cd "$(dirname "$0")/.."
. benches/common.sh
n=${1:-1000000} rounds=${2:-100} seconds=${3:-10}
places "$n"
live_server "$n"
loaded=$(awk '/VmRSS/ { printf "%d\n", $2 / 1024 }' "/proc/$server/status")
# At rest is serving without changes: both read workloads once, their caches warm (the tile
# cache fills, the allocator takes what queries need), then the peak so far.
python3 benches/tiles/tile_list.py | sed 's|^|/tiles/|; s|$|.mvt|' > "$work/tiles"
python3 benches/search/mix.py > "$work/search"
for workload in tiles search; do
  wrk_paths "$port" "$work/$workload" 16 5 "$work/warm.log" > /dev/null
done
resting=$(peak_rss_mib "$server")
# The peak of the part of the run since the last call, then a new part starts.
peaks=()
part_peak() {
  peaks+=("$1 $(peak_rss_mib "$server") MiB")
  echo 5 > "/proc/$server/clear_refs"
}
part_peak "at rest"

echo "Accept to visible, $rounds rounds back to back (\`benches/live/accept.py $base TOKEN $rounds\`):"
echo
echo '```'
python3 benches/live/accept.py "$base" "$token" "$rounds" | tail -3
echo '```'
echo
part_peak "renames back to back"

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
part_peak "moves back to back"

rate_rounds=$(( seconds * 5 ))
echo "Accept to visible, $rate_rounds accepts started 5 a second (\`benches/live/accept.py $base TOKEN $rate_rounds --rate 5\`):"
echo
echo '```'
python3 benches/live/accept.py "$base" "$token" "$rate_rounds" --rate 5 --seed 5 | tail -3
echo '```'
echo
part_peak "5 a second"

# Windows without and with accepts alternate, three of each per workload: on a shared machine
# two windows minutes apart differ by more than what accepting costs.
window() { # ACCEPTS(0|1): one window of the workload; prints "rps p99 errors accepts hit_rate"
  local accepter=
  if [ "$1" = 1 ]; then
    # shellcheck disable=SC2086 # WINDOW_ARGS are words
    python3 benches/live/accept.py "$base" "$token" 100000 --rate 5 --no-wait --seed "$RANDOM" \
      ${WINDOW_ARGS:-} > "$work/accepts.log" 2>&1 &
    accepter=$!
    pids+=("$accepter")
  fi
  python3 benches/live/cache_hits.py "$base" "$seconds" > "$work/hits" &
  local hits=$!
  read -r rps _ p99 _ errors < <(wrk_paths "$port" "$work/$workload" 16 "$seconds" "$work/wrk.log")
  wait "$hits"
  local done_=0
  if [ -n "$accepter" ]; then
    kill "$accepter" 2>/dev/null || true
    wait "$accepter" 2>/dev/null || true
    # The accepts already taken are applied before the next window starts.
    until curl -fsS "$base/metrics" | grep -q '^lieux_reload_running 0'; do sleep 0.2; done
    done_=$(grep -c '^[0-9]' "$work/accepts.log" || true)
  fi
  echo "$rps $p99 $errors $done_ $(hit_rate)"
}
[ -z "${WINDOW_ARGS:-}" ] || echo "The accepts of the windows with accepts also pass $WINDOW_ARGS to accept.py."
echo
echo "| workload, 16 connections, ${seconds} s | without accepts: requests/s, p99 ms, errors, hit rate | with 5 accepts a second: requests/s, p99 ms, errors, accepts, hit rate | ratio |"
echo "| --- | --- | --- | ---: |"
for workload in tiles search; do
  # Warm the caches the same way for every window.
  wrk_paths "$port" "$work/$workload" 16 2 "$work/warm.log" > /dev/null
  sum_without=0 sum_with=0
  for pair in 1 2 3; do
    read -r rps0 p990 errors0 _ hits0 < <(window 0)
    read -r rps1 p991 errors1 done1 hits1 < <(window 1)
    sum_without=$(( sum_without + rps0 )) sum_with=$(( sum_with + rps1 ))
    ratio=$(awk -v a="$rps1" -v b="$rps0" 'BEGIN { printf "%.0f%%", 100 * a / b }')
    echo "| $workload ($pair) | $rps0, $p990, $errors0, $hits0 | $rps1, $p991, $errors1, $done1, $hits1 | $ratio |"
  done
  ratio=$(awk -v a="$sum_with" -v b="$sum_without" 'BEGIN { printf "%.0f%%", 100 * a / b }')
  echo "| $workload, the three together | $(( sum_without / 3 )) | $(( sum_with / 3 )) | **$ratio** |"
  part_peak "$workload with and without accepts"
done
echo
echo "Server RSS: $loaded MiB after loading; peaks, each part of the run: $(IFS=';'; echo "${peaks[*]}" | sed 's/;/; /g')."
echo
python3 benches/live/stages.py "$work/serve.log"
