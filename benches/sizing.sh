#!/usr/bin/env bash
# The sizing study (docs/scaling.md): for each number of generated places (seed 42), what lieux
# costs on this machine, in one run:
#
#   index time and peak memory, index size on disk, load time (start to listening), resting
#   memory (after the tile and search workloads ran once), tile and search throughput and p99
#   at 16 connections against /health's in the same run, the time to apply one change in
#   place (examples/amend_cost.rs), and the PMTiles export (z0-14) time and size.
#
#   benches/sizing.sh ["10000 100000 1000000 4000000"] [SECONDS=10]
#
# Then how each grows with the number of places: the exponent k of cost ∝ places^k between
# consecutive sizes. Prints Markdown. Not in CI; nothing it writes is committed (bench-data/).
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=${1:-10000 100000 1000000 4000000}
seconds=${2:-10}
. benches/common.sh
command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
cargo build --release --quiet --example amend_cost
work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
python3 benches/tiles/tile_list.py | sed 's|^|/tiles/|; s|$|.mvt|' > "$work/tiles"
python3 benches/search/mix.py > "$work/search"
echo /health > "$work/health"
rows="$work/rows"
: > "$rows"

for n in $sizes; do
  places "$n" # generates the CSV once, and builds lieux
  index=bench-data/index-$n
  rm -rf "$index"
  /usr/bin/time -f '%e %M' -o "$work/time" "$bin" index "bench-data/places-$n.csv" --out "$index" 2> /dev/null
  read -r index_s index_kib < "$work/time"
  disk_mib=$(du -sm "$index" | cut -f1)

  started=$(date +%s.%N)
  "$bin" serve --index "$index" --state-dir "$work/state-$n" --bind 127.0.0.1:0 < /dev/null > "$work/serve.log" 2>&1 &
  pid=$!
  port=$(listening_port "$work/serve.log" "$pid")
  [ -n "$port" ] || { cat "$work/serve.log" >&2; exit 1; }
  load_s=$(echo "$(date +%s.%N) - $started" | bc)
  for w in tiles search; do wrk_paths "$port" "$work/$w" 16 5 "$work/warm.log" > /dev/null; done
  rest_mib=$(awk '/VmRSS/ { printf "%d\n", $2 / 1024 }' "/proc/$pid/status")
  read -r tiles_rps _ tiles_p99 _ tiles_err <<< "$(wrk_paths "$port" "$work/tiles" 16 "$seconds" "$work/wrk.log")"
  read -r search_rps _ search_p99 _ search_err <<< "$(wrk_paths "$port" "$work/search" 16 "$seconds" "$work/wrk.log")"
  read -r health_rps _ _ _ _ <<< "$(wrk_paths "$port" "$work/health" 16 "$seconds" "$work/wrk.log")"
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=

  change_s=$(target/release/examples/amend_cost "$index" --in-place-only \
    | sed -n 's/^one change applied in place in \([0-9.]*\) s.*/\1/p')
  /usr/bin/time -f '%e %M' -o "$work/time" "$bin" export --index "$index" --state-dir "$work/state-$n" \
    --pmtiles "$work/map.pmtiles" --maxzoom 14 > /dev/null 2>&1
  read -r pmtiles_s pmtiles_kib < "$work/time"
  pmtiles_mib=$(echo "scale=1; $(stat -c %s "$work/map.pmtiles") / 1048576" | bc)
  rm -f "$work/map.pmtiles"

  echo "$n $index_s $((index_kib / 1024)) $disk_mib $load_s $rest_mib $tiles_rps $tiles_p99 $search_rps $search_p99 $health_rps $change_s $pmtiles_s $((pmtiles_kib / 1024)) $pmtiles_mib $((tiles_err + search_err))" >> "$rows"
done

python3 - "$rows" <<'PY'
import math, sys
rows = [list(map(float, line.split())) for line in open(sys.argv[1])]
columns = [
    ("index time", 1, "s"), ("index peak memory", 2, "MiB"), ("index on disk", 3, "MiB"),
    ("load (start to listening)", 4, "s"), ("resting memory", 5, "MiB"),
    ("tiles req/s (16 conn.)", 6, ""), ("tiles p99", 7, "ms"),
    ("search req/s (16 conn.)", 8, ""), ("search p99", 9, "ms"), ("/health req/s", 10, ""),
    ("one change applied in place", 11, "s"), ("PMTiles export z0-14", 12, "s"),
    ("PMTiles export peak memory", 13, "MiB"), ("PMTiles archive", 14, "MiB"),
    ("failed answers", 15, ""),
]
print("| places | " + " | ".join(name for name, _, _ in columns) + " |")
print("| ---: " * (len(columns) + 1) + "|")
def shown(value):
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"
for row in rows:
    cells = [f"{shown(row[i])} {unit}".strip() for _, i, unit in columns]
    print(f"| {int(row[0]):,} | " + " | ".join(cells) + " |")
print()
print("Growth: the exponent k of cost ∝ places^k between consecutive sizes (1 is linear).")
print()
grown = [c for c in columns if c[0] not in ("failed answers",)]
print("| from → to | " + " | ".join(name for name, _, _ in grown) + " |")
print("| --- " + "| ---: " * len(grown) + "|")
for a, b in zip(rows, rows[1:]):
    def k(i):
        if a[i] <= 0 or b[i] <= 0:
            return "-"
        return f"{math.log(b[i] / a[i]) / math.log(b[0] / a[0]):.2f}"
    print(f"| {int(a[0]):,} → {int(b[0]):,} | " + " | ".join(k(i) for _, i, _ in grown) + " |")
PY
