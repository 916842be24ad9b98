#!/usr/bin/env bash
# Search load benchmark on N generated places (default 1,000,000): lieux over HTTP (wrk) and
# PostgreSQL 15 + PostGIS (pgbench) on the same places and the same queries, in one run, at the
# same concurrency levels. Workloads (benches/search/queries.py, seeded): text only, text +
# radius, radius only, and completion; and, lieux alone, OGC API – Features pages of 100 places
# of one département (benches/search/ogc_paths.py) and searches within a département-sized
# polygon with a hole (benches/search/polygon_paths.py).
#
#   benches/search-bench.sh [N] [SECONDS] ["LEVELS"]      # LEVELS default "1 16 64"
#
# Everything generated goes to bench-data/ (git-ignored); servers listen on 127.0.0.1 or a unix
# socket only and are stopped at the end. Prints Markdown: the figures, then the search
# issue's targets (at 16 connections) with pass or fail.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
seconds=${2:-10}
levels=${3:-1 16 64}
queries=400
. benches/common.sh
. benches/pg.sh
command -v pgbench >/dev/null || pg_install
places "$n"
python3 benches/search/queries.py data/communes.csv bench-data/search "$queries" 7
workloads="text text-radius radius nearest suggest"

# lieux, alone on the machine.
"$bin" serve --index "bench-data/index-$n" --state-dir bench-data/state --bind 127.0.0.1:18083 > bench-data/serve-search.log 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; pg_stop' EXIT
for _ in $(seq 1 1200); do grep -q 'listening on' bench-data/serve-search.log && break; sleep 0.1; done
grep -q 'listening on' bench-data/serve-search.log ||
  { echo "lieux did not start (bench-data/serve-search.log):" >&2; tail -5 bench-data/serve-search.log >&2; exit 1; }
# When wrk stops, the searches its connections had sent may still be queued for the query
# threads (at 64 connections, a second of text searches): one search sent after them, and
# answered after them, drains the queue, so that a run does not wait for the one before.
drain() { curl -sS --max-time 120 -o /dev/null "http://127.0.0.1:18083/search?q=mairie&limit=1"; }
declare -A lieux pg
for w in $workloads; do
  for c in $levels; do
    drain
    lieux[$w/$c]=$(wrk_paths 18083 "bench-data/search/$w.paths" "$c" "$seconds" \
      "bench-data/wrk-search-$w-$c.log")
  done
done
# The workloads PostgreSQL has no peer for: bench-data/search/WORKLOAD.paths at every level.
lieux_alone() { # WORKLOAD
  for c in $levels; do
    drain
    lieux[$1/$c]=$(wrk_paths 18083 "bench-data/search/$1.paths" "$c" "$seconds" \
      "bench-data/wrk-search-$1-$c.log")
  done
}
# OGC API – Features: a page of 100 places of one département, the first page of each and the
# page its `next` link names (a cursor).
python3 benches/search/ogc_paths.py data/communes.csv 18083 > bench-data/search/ogc.paths
lieux_alone ogc
# Within a polygon of about 7,000 km² with a hole, around each of the 50 biggest communes,
# half with a text query.
python3 benches/search/polygon_paths.py data/communes.csv 200 > bench-data/search/polygon.paths
lieux_alone polygon
# The most this machine answers: the same server's /health, a small answer from the HTTP
# worker, with no query thread.
drain
echo /health > bench-data/paths-search-health.txt
read -r health_rps _ health_p99 _ health_errors <<< "$(wrk_paths 18083 \
  bench-data/paths-search-health.txt 16 "$seconds" bench-data/wrk-search-health-16.log)"
rss=$(peak_rss_mib $server)
kill $server; wait $server 2>/dev/null || true

# PostgreSQL, alone on the machine.
pg_start
load_s=$(pg_load "bench-data/places-$n.csv")
pg_psql <<'SQL'
CREATE TABLE q_text (i int PRIMARY KEY, t text);
CREATE TABLE q_text_radius (i int PRIMARY KEY, t text, lon float8, lat float8, r float8);
CREATE TABLE q_radius (i int PRIMARY KEY, lon float8, lat float8, r float8);
CREATE TABLE q_nearest (i int PRIMARY KEY, lon float8, lat float8);
CREATE TABLE q_suggest (i int PRIMARY KEY, t text);
SQL
for w in $workloads; do
  pg_psql -c "\\copy q_${w//-/_} FROM STDIN CSV" < "bench-data/search/$w.csv"
done
pg_psql -c "ANALYZE;"
for w in $workloads; do
  for c in $levels; do
    pg[$w/$c]=$(pg_bench "benches/search/$w.sql" "$c" "$seconds" "$queries" \
      "bench-data/pgbench-search-$w-$c.log")
  done
done

echo "| workload | connections | lieux requests/s | p50 | p99 | p99.9 | errors | PostgreSQL tx/s | p50 | p99 | lieux / PostgreSQL |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for w in $workloads; do
  for c in $levels; do
    read -r rps p50 p99 p999 err <<< "${lieux[$w/$c]}"
    read -r tps pp50 pp99 <<< "${pg[$w/$c]}"
    echo "| $w | $c | $rps | $p50 ms | $p99 ms | $p999 ms | $err | $tps | $pp50 ms | $pp99 ms | $(echo "scale=1; $rps / $tps" | bc)× |"
  done
done
echo
echo "| OGC API – Features items (limit 100, one département) | connections | requests/s | p50 | p99 | p99.9 | errors |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
for c in $levels; do
  read -r rps p50 p99 p999 err <<< "${lieux[ogc/$c]}"
  echo "| ogc | $c | $rps | $p50 ms | $p99 ms | $p999 ms | $err |"
done
echo
echo "| search within a département-sized polygon with a hole (half with text) | connections | requests/s | p50 | p99 | p99.9 | errors |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
for c in $levels; do
  read -r rps p50 p99 p999 err <<< "${lieux[polygon/$c]}"
  echo "| polygon | $c | $rps | $p50 ms | $p99 ms | $p999 ms | $err |"
done
echo
echo "$n places, $queries queries a workload, ${seconds} s per workload and level; lieux peak memory ${rss} MiB; PostgreSQL load and indexing ${load_s} s. The same server's \`/health\` (a small answer, no query thread) at 16 connections, the ceiling of any workload's requests/s: $health_rps requests/s, p99 $health_p99 ms, $health_errors errors."
echo

# The search issue's targets, at 16 connections.
at16() { read -r rps p50 p99 p999 err <<< "${lieux[$1/16]:-0 0 0 0 0}"; read -r tps pp50 pp99 <<< "${pg[$1/16]:-1 0 0}"; }
verdict() { if [ "$(echo "$1" | bc)" = 1 ]; then echo pass; else echo "**fail**"; fi; }
echo "| target (16 connections) | measured | result |"
echo "| --- | --- | --- |"
at16 radius
echo "| radius: p99 ≤ 2 ms | $p99 ms | $(verdict "$p99 <= 2") |"
echo "| radius: ≥ 50× PostgreSQL's throughput | $(echo "scale=1; $rps / $tps" | bc)× | $(verdict "$rps >= 50 * $tps") |"
at16 nearest
echo "| nearest: p99 ≤ 2 ms | $p99 ms | $(verdict "$p99 <= 2") |"
echo "| nearest: ≥ 50× PostgreSQL's throughput | $(echo "scale=1; $rps / $tps" | bc)× ($rps requests/s; 50× is $(echo "50 * $tps / 1" | bc), \`/health\` $health_rps) | $(verdict "$rps >= 50 * $tps") |"
at16 text-radius
echo "| text + radius: p99 ≤ 10 ms | $p99 ms | $(verdict "$p99 <= 10") |"
echo "| text + radius: ≥ 100× PostgreSQL's throughput | $(echo "scale=1; $rps / $tps" | bc)× | $(verdict "$rps >= 100 * $tps") |"
at16 suggest
echo "| completion: p99 ≤ 2 ms | $p99 ms | $(verdict "$p99 <= 2") |"
at16 ogc
echo "| OGC API – Features, a page of 100 places of one département: p99 ≤ 10 ms | $p99 ms | $(verdict "$p99 <= 10") |"
at16 polygon
echo "| search within a département-sized polygon: p99 ≤ 20 ms | $p99 ms | $(verdict "$p99 <= 20") |"
