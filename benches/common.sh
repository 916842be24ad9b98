# Shared by the benchmark scripts: the places, and wrk runs reduced to one line of figures.
#
#   . benches/common.sh
#   places N        # builds lieux, generates N places (seed 42) once, and indexes them when
#                   # lieux is newer than the index
#   wrk_paths PORT PATHS-FILE CONNECTIONS SECONDS LOG
#                   # prints "requests/s p50_ms p99_ms p99.9_ms errors"
#   peak_rss_mib PID  # the peak resident memory of a process so far
#   listening_port LOG PID
#                   # the port a `lieux serve --bind 127.0.0.1:0` writes to LOG once it
#                   # listens (two minutes at most, less if PID stops); empty if it never does
#   live_server N [SERVE-ARGS...]
#                   # `lieux serve` on the index of N places, with an admin token and no
#                   # limit on writes, in a new work directory; sets work, token, server, port,
#                   # base and pids (stopped, and work removed, when the script exits)

bin=target/release/lieux

places() {
  command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
  cargo build --release --quiet
  mkdir -p bench-data
  csv=bench-data/places-$1.csv
  [ -f "$csv" ] || "$bin" generate --count "$1" --seed 42 --out "$csv"
  # Indexed again whenever lieux was rebuilt since, so that a change to the writer is measured.
  local manifest=bench-data/index-$1/manifest.json
  if [ ! -f "$manifest" ] || [ "$bin" -nt "$manifest" ]; then
    "$bin" index "$csv" --out "bench-data/index-$1" 2>/dev/null
  fi
}

wrk_paths() {
  local out
  # wrk needs at least as many connections as threads.
  # A long timeout: a slow answer is a latency to report, not a failure (wrk's default is 2 s).
  out=$(PATHS_FILE="$2" wrk -t"$(( $3 < 2 ? 1 : 2 ))" -c"$3" -d"$4s" --timeout 60s \
    -s benches/tiles/paths.lua "http://127.0.0.1:$1")
  echo "$out" > "$5"
  echo "$out" | awk '
    /Requests\/sec/ { rps = $2 }
    /^percentiles/ { p50 = $2 / 1000; p99 = $3 / 1000; p999 = $4 / 1000 }
    /Non-2xx/ { errors += $NF }
    /Socket errors/ { gsub(/,/, ""); errors += $4 + $6 + $8 + $10 }
    END { printf "%.0f %.3f %.3f %.3f %d\n", rps, p50, p99, p999, errors }'
}

peak_rss_mib() {
  awk '/VmHWM/ { printf "%d\n", $2 / 1024 }' "/proc/$1/status"
}

listening_port() {
  local log=$1 pid=$2 port=
  for _ in $(seq 1 1200); do
    port=$(sed -n 's|^listening on http://127\.0\.0\.1:\([0-9][0-9]*\).*|\1|p' "$log" | head -1)
    [ -n "$port" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "$port"
}

live_server() {
  local n=$1
  shift
  work=$(mktemp -d)
  pids=()
  trap 'kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null; rm -rf "$work"' EXIT
  token=a-bench-token-of-enough-length
  echo "$token" > "$work/token"
  "$bin" serve --bind 127.0.0.1:0 --index "bench-data/index-$n" --state-dir "$work/state" \
    --admin-token-file "$work/token" --rate-limit write=off --work-dir "$work/builds" "$@" \
    < /dev/null 2> "$work/serve.log" &
  server=$!
  pids+=("$server")
  port=$(listening_port "$work/serve.log" "$server")
  [ -n "$port" ] || { cat "$work/serve.log" >&2; exit 1; }
  base=http://127.0.0.1:$port
}
