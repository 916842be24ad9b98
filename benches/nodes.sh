#!/usr/bin/env bash
# Several nodes on one shared store: how long a change accepted on one node takes to be served
# by the other, on N generated places (seed 42; default 20,000, about all of France's real
# places), two `lieux serve --store postgres://…` on a private PostgreSQL 15 on loopback.
#
#   benches/nodes.sh [N=20000] [ROUNDS=100]
#
# benches/nodes/propagate.py submits and accepts ROUNDS corrections, in turn on one node and on
# the other, and times each from the accept request until the other node serves the new value
# (`/places/{id}`, polled every 5 ms), against the accept's own answer (when the accepting node
# serves it). Prints a Markdown report. Not in CI; nothing else should run meanwhile.
set -euo pipefail
cd "$(dirname "$0")/.."
. benches/common.sh
. benches/pg.sh
n=${1:-20000} rounds=${2:-100}
places "$n"
[ -x "$pg_bin/initdb" ] || { apt-get update -qq && apt-get install -y -qq postgresql-15 >/dev/null; }
work=$(mktemp -d)
chown postgres "$work"
pids=()
pg_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cleanup() {
  kill "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
  pg_as "$pg_bin/pg_ctl" -D "$work/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
pg_as "$pg_bin/initdb" -D "$work/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null
# The server's defaults but for where it listens: a commit waits for the disk.
pg_as "$pg_bin/pg_ctl" -D "$work/data" -l "$work/pg.log" -w start \
  -o "-p $pg_port -c listen_addresses=127.0.0.1 -k $work" >/dev/null
url=postgres://postgres@127.0.0.1:$pg_port/postgres
token=a-bench-token-of-enough-length
echo "$token" > "$work/token"

bases=()
for node in a b; do
  "$bin" serve --bind 127.0.0.1:0 --index "bench-data/index-$n" --store "$url" \
    --state-dir "$work/state-$node" --admin-token-file "$work/token" --rate-limit write=off \
    --work-dir "$work/builds-$node" < /dev/null 2> "$work/serve-$node.log" &
  pids+=("$!")
  port=$(listening_port "$work/serve-$node.log" "$!")
  [ -n "$port" ] || { cat "$work/serve-$node.log" >&2; exit 1; }
  bases+=("http://127.0.0.1:$port")
done

echo "Change to the other node, $n places, $rounds rounds (\`benches/nodes.sh $n $rounds\`):"
echo
python3 benches/nodes/propagate.py "${bases[0]}" "${bases[1]}" "$token" "$rounds" > "$work/rounds"
tail -n 4 "$work/rounds"
# Each round, and what each node logged, for a look at the slowest.
cp "$work/rounds" "bench-data/nodes-rounds-$n.txt"
for node in a b; do cp "$work/serve-$node.log" "bench-data/nodes-serve-$node-$n.log"; done
