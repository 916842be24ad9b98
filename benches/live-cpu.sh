#!/usr/bin/env bash
# What applying changes costs the machine, with no reader to share it with: the server's CPU
# (user and system, every thread) while accepts start 5 a second for SECONDS, on N generated
# places (seed 42), and where it goes (perf, by thread and by kernel or user code, when perf
# can sample here).
#
#   benches/live-cpu.sh [N=1000000] [SECONDS=10]
#
# The live bench (benches/live-bench.sh) measures what readers lose; this one what a batch
# costs, which a read load hides: at five accepts a second with no reader, each accept is a
# batch of its own. Extra arguments go to `lieux serve`; the allocator's settings can be tried
# through jemalloc's environment variable (`_RJEM_MALLOC_CONF=...`). Prints a Markdown report;
# PERF_DATA=FILE keeps perf's samples there, for `perf report -i FILE`.
# Not in CI.
set -euo pipefail
cd "$(dirname "$0")/.."
. benches/common.sh
n=${1:-1000000} seconds=${2:-10}
shift $(( $# < 2 ? $# : 2 ))
places "$n"
live_server "$n" "$@"
ticks=$(getconf CLK_TCK)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$server/stat"; }
resting=$(peak_rss_mib "$server")

profile=
if perf record -e cpu-clock -o "$work/probe.data" -- true > /dev/null 2>&1; then
  perf record -e cpu-clock -F 299 -p "$server" -o "$work/perf.data" > /dev/null 2> "$work/perf.log" &
  profile=$!
  pids+=("$profile")
  sleep 0.5
fi
before=$(cpu_ticks)
started=$(date +%s.%N)
python3 benches/live/accept.py "$base" "$token" $(( seconds * 5 )) --rate 5 --no-wait --seed 7 \
  > "$work/accepts.log"
accepted=$(grep -c '^[0-9]' "$work/accepts.log" || true)
# The batches of the accepts taken are applied (two minutes at most, and as long as the server runs).
deadline=$(( $(date +%s) + 120 ))
until metrics=$(curl -fsS "$base/metrics") && grep -q '^lieux_reload_running 0' <<< "$metrics"; do
  kill -0 "$server" 2> /dev/null || { cat "$work/serve.log" >&2; exit 1; }
  [ "$(date +%s)" -lt "$deadline" ] || { echo "the batches were not applied in two minutes" >&2; exit 1; }
  sleep 0.2
done
after=$(cpu_ticks)
took=$(awk -v s="$started" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
[ -z "$profile" ] || { kill -INT "$profile" 2> /dev/null || true; wait "$profile" 2> /dev/null || true; }
[ -z "$profile" ] || [ -z "${PERF_DATA:-}" ] || cp "$work/perf.data" "$PERF_DATA"

echo "$(( seconds * 5 )) accepts started 5 a second on $n places ($accepted taken), no reader (\`${_RJEM_MALLOC_CONF:+_RJEM_MALLOC_CONF=$_RJEM_MALLOC_CONF }benches/live-cpu.sh $n $seconds${*:+ $*}\`):"
echo
awk -v c=$(( after - before )) -v t="$ticks" -v s="$took" 'BEGIN {
  printf "- the server'"'"'s CPU: %.2f s in %s s (%.0f%% of one core)\n", c / t, s, 100 * c / t / s }'
echo "- peak RSS: $resting MiB at rest, $(peak_rss_mib "$server") MiB after"
if [ -n "$profile" ]; then
  echo "- where the CPU went (perf, by thread and kind of code):"
  echo
  echo '```'
  perf report -i "$work/perf.data" --stdio --sort comm,dso 2> /dev/null \
    | awk '!/^#/ && NF && ++shown <= 8' || true
  echo '```'
  # Where the kernel forbids sampling it (perf_event_paranoid above 1), its share reads as 0.
  perf report -i "$work/perf.data" --stdio --sort dso 2> /dev/null | grep -q 'kernel' \
    || echo "- perf took no sample in the kernel here: its share is not measured ($(head -1 "$work/perf.log"))"
fi
echo
python3 benches/live/stages.py "$work/serve.log"
