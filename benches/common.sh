# Shared by the benchmark scripts: the places, and wrk runs reduced to one line of figures.
#
#   . benches/common.sh
#   places N        # builds lieux, generates N places (seed 42) and indexes them, once
#   wrk_paths PORT PATHS-FILE CONNECTIONS SECONDS LOG
#                   # prints "requests/s p50_ms p99_ms errors"

bin=target/release/lieux

places() {
  command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
  cargo build --release --quiet
  mkdir -p bench-data
  csv=bench-data/places-$1.csv
  [ -f "$csv" ] || "$bin" generate --count "$1" --seed 42 --out "$csv"
  [ -f "bench-data/index-$1/manifest.json" ] || "$bin" index "$csv" --out "bench-data/index-$1" 2>/dev/null
}

wrk_paths() {
  local out
  out=$(PATHS_FILE="$2" wrk -t2 -c"$3" -d"$4s" --latency -s benches/tiles/paths.lua "http://127.0.0.1:$1")
  echo "$out" > "$5"
  echo "$out" | awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /Requests\/sec/ { rps = $2 }
    /^ +50%/ { p50 = ms($2) }
    /^ +99%/ { p99 = ms($2) }
    /Non-2xx/ { errors += $NF }
    /Socket errors/ { errors += 1 }
    END { printf "%.0f %.3f %.3f %d\n", rps, p50, p99, errors }'
}
