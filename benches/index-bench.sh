#!/usr/bin/env bash
# Index build and load benchmark: generates N seeded places, indexes them, and measures
# wall time, peak resident memory (GNU time) and the load time of the persisted index; then
# loads and indexes the same CSV in PostgreSQL + PostGIS (benches/postgis-load.sh), the peer.
#
#   benches/index-bench.sh 100000 1000000
#
# Data goes to bench-data/ (git-ignored); nothing here is committed.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v /usr/bin/time >/dev/null && command -v bc >/dev/null || { apt-get update -qq && apt-get install -y -qq time bc; }
cargo build --release --quiet
bin=target/release/lieux
mkdir -p bench-data
echo "| places | indexed (after merge) | lieux index | PostgreSQL + PostGIS load and index | ratio | lieux peak RSS | lieux load time |"
echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for n in "${@:-100000 1000000}"; do
  csv=bench-data/places-$n.csv
  [ -f "$csv" ] || "$bin" generate --count "$n" --seed 42 --out "$csv"
  rm -rf "bench-data/index-$n"
  /usr/bin/time -f '%e %M' -o bench-data/time-index.txt \
    "$bin" index "$csv" --out "bench-data/index-$n" > bench-data/index-$n.log 2>&1
  read -r wall rss < bench-data/time-index.txt
  places=$(grep -o '"places": [0-9]*' "bench-data/index-$n/manifest.json" | grep -o '[0-9]*')
  # Load: start the server on an ephemeral port, read the load time it logs, stop it.
  log=bench-data/serve-$n.log
  RUST_LOG=info "$bin" serve --index "bench-data/index-$n" --state-dir bench-data/state --bind 127.0.0.1:0 > "$log" 2>&1 &
  pid=$!
  for _ in $(seq 1 600); do grep -q 'listening on' "$log" && break; sleep 0.1; done
  load_ms=$(grep 'stage="index opened"' "$log" | grep -o 'took_ms=[0-9]*' | grep -o '[0-9]*')
  kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
  pg=$(benches/postgis-load.sh "$csv")
  ratio=$(echo "scale=2; $pg / $wall" | bc)
  printf '| %s | %s | %.2f s | %.2f s | %s× faster | %s MiB | %s ms |\n' \
    "$n" "$places" "$wall" "$pg" "$ratio" "$((rss / 1024))" "$load_ms"
done
