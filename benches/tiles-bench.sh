#!/usr/bin/env bash
# Tile load benchmark on N generated places (default 1,000,000): lieux over HTTP with wrk
# (uncached tiles, cached tiles, tiles filtered by one service, and /health as the ceiling of a
# small actix answer), and supercluster 9 (node) on the same points and tiles, in one run.
#
#   benches/tiles-bench.sh [N] [SECONDS]
#
# Tiles: benches/tiles/tile_list.py (a pan-and-zoom path, zooms 5-14, over Pays de la Loire and
# France). Everything generated goes to bench-data/ (git-ignored). Servers listen on 127.0.0.1
# only and are stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
seconds=${2:-10}
. benches/common.sh
. benches/pg.sh
command -v node >/dev/null || { apt-get update -qq && apt-get install -y -qq nodejs >/dev/null; }
[ -d bench-data/node_modules/supercluster ] || npm install --prefix bench-data --no-save supercluster@9 >/dev/null 2>&1
places "$n"
python3 benches/tiles/tile_list.py > bench-data/tiles.txt
sed 's|.*|/tiles/&.mvt|' bench-data/tiles.txt > bench-data/paths-tiles.txt
service='Aide%20aux%20d%C3%A9marches%20administratives'
sed "s|.*|/tiles/&.mvt?services=$service|" bench-data/tiles.txt > bench-data/paths-filtered.txt
echo /health > bench-data/paths-health.txt

pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; pg_stop' EXIT
start_server() { # PORT EXTRA-ARGS...
  local port=$1; shift
  "$bin" serve --index "bench-data/index-$n" --bind "127.0.0.1:$port" "$@" > "bench-data/serve-$port.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 1200); do grep -q 'listening on' "bench-data/serve-$port.log" && return; sleep 0.1; done
  echo "server on $port did not start" >&2; exit 1
}
# wrk at 16 connections: prints "requests/s p50_ms p99_ms errors" for PATHS on PORT.
load() { # PORT PATHS-FILE
  wrk_paths "$1" "bench-data/$2" 16 "$seconds" "bench-data/wrk-$2.log"
}

start_server 18081 --tile-cache-mib 0
# The filtered hierarchy is built by the first filtered request, as a client would trigger it.
curl -s -o /dev/null "http://127.0.0.1:18081$(head -1 bench-data/paths-filtered.txt)"
read -r u_rps u_p50 u_p99 u_err < <(load 18081 paths-tiles.txt)
read -r f_rps f_p50 f_p99 f_err < <(load 18081 paths-filtered.txt)
read -r h_rps h_p50 h_p99 h_err < <(load 18081 paths-health.txt)
start_server 18082
while read -r path; do curl -s -o /dev/null "http://127.0.0.1:18082$path"; done < bench-data/paths-tiles.txt
read -r c_rps c_p50 c_p99 c_err < <(load 18082 paths-tiles.txt)
build_ms=$(grep -o 'cluster hierarchy built took_ms=[0-9]*' bench-data/serve-18082.log | grep -o '[0-9]*$')
for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
# PostGIS: ST_AsMVT of the same tiles (every place, as PostGIS does not cluster), at the same
# concurrency, once lieux is stopped.
pg_start
pg_load "bench-data/places-$n.csv" > /dev/null
pg_psql -c "CREATE TABLE q_tiles (i serial PRIMARY KEY, z int, x int, y int);"
tr '/' ',' < bench-data/tiles.txt | pg_psql -c "\\copy q_tiles (z, x, y) FROM STDIN CSV"
read -r pg_tps pg_p50 pg_p99 < <(pg_bench benches/tiles/st_asmvt.sql 16 "$seconds" \
  "$(wc -l < bench-data/tiles.txt)" bench-data/pgbench-tiles.log)
pg_stop
sc=$(NODE_PATH=bench-data/node_modules node benches/tiles/supercluster.mjs "bench-data/index-$n/points.bin" bench-data/tiles.txt)
sc_load=$(echo "$sc" | python3 -c 'import json,sys; print(round(json.load(sys.stdin)["load_ms"]))')
sc_mean=$(echo "$sc" | python3 -c 'import json,sys; print(round(json.load(sys.stdin)["get_tile_mean_ms"], 4))')
sc_p50=$(echo "$sc" | python3 -c 'import json,sys; print(round(json.load(sys.stdin)["get_tile_p50_ms"], 4))')
sc_p99=$(echo "$sc" | python3 -c 'import json,sys; print(round(json.load(sys.stdin)["get_tile_p99_ms"], 4))')

echo "| workload (16 connections, ${seconds} s, $(wc -l < bench-data/tiles.txt) tiles) | requests/s | p50 | p99 | errors |"
echo "| --- | ---: | ---: | ---: | ---: |"
echo "| uncached tiles | $u_rps | $u_p50 ms | $u_p99 ms | $u_err |"
echo "| cached tiles | $c_rps | $c_p50 ms | $c_p99 ms | $c_err |"
echo "| tiles filtered by one service (uncached) | $f_rps | $f_p50 ms | $f_p99 ms | $f_err |"
echo "| /health (small actix answer, ceiling) | $h_rps | $h_p50 ms | $h_p99 ms | $h_err |"
echo "| PostGIS ST_AsMVT, same tiles (pgbench, 16 clients) | $pg_tps | $pg_p50 ms | $pg_p99 ms | |"
echo
echo "Uncached tiles: $(echo "scale=1; $u_rps / $pg_tps" | bc)× the throughput of PostGIS ST_AsMVT; cached tiles: $(echo "scale=2; 100 * $c_rps / $h_rps" | bc)% of /health."
echo
echo "| cluster hierarchy of $n places | time |"
echo "| --- | ---: |"
echo "| lieux (ClusterIndex::build, at server start) | ${build_ms} ms |"
echo "| supercluster 9 load (node) | ${sc_load} ms |"
echo "| ratio | $(echo "scale=2; $sc_load / $build_ms" | bc)× faster |"
echo
echo "supercluster getTile on the same tiles, in-process, no encoding: mean ${sc_mean} ms, p50 ${sc_p50} ms, p99 ${sc_p99} ms"
echo "(lieux in process on the same tiles: LIEUX_BENCH_SIZES=$n cargo bench --bench engine -- tile_list)"
