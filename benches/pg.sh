# PostgreSQL 15 + PostGIS for the benchmarks, sourced by the scripts that compare against it.
#
#   . benches/pg.sh
#   pg_start            # a private server on a unix socket in a temporary directory
#   pg_load FILE.csv    # the places, indexed for the same queries as lieux; prints seconds
#   pg_psql ...         # psql on that server
#   pg_stop             # (also run on exit)
#
# The server listens on no TCP port. The places get a geography column with a GiST index
# (ST_DWithin in metres on the sphere, as lieux's radius), a web-mercator geometry with a GiST
# index (ST_AsMVT tiles, as a tile server in front of PostGIS serves them), a French unaccented
# tsvector of the fields lieux searches with a GIN index, and one of the name alone for
# completion.

pg_bin=/usr/lib/postgresql/15/bin

pg_install() {
  if [ ! -x "$pg_bin/initdb" ] || [ ! -f /usr/share/postgresql/15/extension/postgis.control ]; then
    apt-get update -qq && apt-get install -y -qq postgresql-15 postgresql-15-postgis-3 >/dev/null
  fi
}

pg_as() { runuser -u postgres -- "$@"; }

pg_start() {
  pg_install
  pg_dir=$(mktemp -d /tmp/lieux-pg.XXXXXX)
  chown postgres "$pg_dir"
  pg_as "$pg_bin/initdb" -D "$pg_dir/data" -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
  pg_as "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w start -o "-k $pg_dir \
    -c listen_addresses='' -c shared_buffers=1GB -c maintenance_work_mem=512MB \
    -c max_wal_size=4GB -c synchronous_commit=off -c max_connections=100" >/dev/null
  trap pg_stop EXIT
}

pg_stop() {
  [ -n "${pg_dir:-}" ] || return 0
  pg_as "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$pg_dir"
  pg_dir=
}

pg_psql() { pg_as /usr/bin/psql -h "$pg_dir" -d postgres -v ON_ERROR_STOP=1 -q "$@"; }

pg_load() {
  local csv columns start end
  csv=$(realpath "$1")
  columns=$(head -1 "$csv" | tr ',' '\n' | sed 's/.*/& text/' | paste -sd, -)
  pg_psql -c "CREATE EXTENSION IF NOT EXISTS postgis; CREATE EXTENSION IF NOT EXISTS unaccent;"
  pg_psql -c "CREATE TABLE lieux ($columns);"
  start=$(date +%s.%N)
  pg_psql -c "\\copy lieux FROM STDIN CSV HEADER" < "$csv"
  pg_psql <<'SQL'
ALTER TABLE lieux ADD COLUMN geog geography(Point, 4326), ADD COLUMN tsv tsvector,
  ADD COLUMN nom_tsv tsvector, ADD COLUMN geom geometry(Point, 3857);
UPDATE lieux SET
  geog = ST_SetSRID(ST_MakePoint(longitude::float8, latitude::float8), 4326)::geography,
  geom = ST_Transform(ST_SetSRID(ST_MakePoint(longitude::float8, latitude::float8), 4326), 3857),
  tsv = to_tsvector('french', unaccent(concat_ws(' ', nom, services, typologie, commune,
        code_postal, adresse, complement_adresse, presentation_resume, presentation_detail))),
  nom_tsv = to_tsvector('french', unaccent(nom));
CREATE INDEX lieux_geog ON lieux USING gist (geog);
CREATE INDEX lieux_geom ON lieux USING gist (geom);
CREATE INDEX lieux_tsv ON lieux USING gin (tsv);
CREATE INDEX lieux_nom_tsv ON lieux USING gin (nom_tsv);
CREATE UNIQUE INDEX lieux_id ON lieux (id);
VACUUM ANALYZE lieux;
SQL
  end=$(date +%s.%N)
  echo "$end - $start" | bc
}

# pgbench with SQL-FILE (which reads `:count`), CLIENTS clients for SECONDS: prints
# "transactions/s p50_ms p99_ms"; the full output goes to LOG.
pg_bench() { # SQL-FILE CLIENTS SECONDS COUNT LOG
  local name out
  name=$(basename "$1" .sql)
  cp "$1" "$pg_dir/$name.sql"
  out=$(cd "$pg_dir" && pg_as pgbench -h "$pg_dir" -n -c "$2" -j 2 -T "$3" -D count="$4" \
    -f "$name.sql" --log --log-prefix="pgbench-$name" postgres 2>&1)
  echo "$out" > "$5"
  printf '%s ' "$(echo "$out" | awk '/^tps/ { printf "%.1f", $3 }')"
  cat "$pg_dir"/pgbench-"$name".* | python3 -c '
import sys
us = sorted(int(line.split()[2]) for line in sys.stdin)
pick = lambda q: us[min(len(us) - 1, int(q * len(us)))] / 1000
print(f"{pick(0.5):.3f} {pick(0.99):.3f}")'
  rm -f "$pg_dir"/pgbench-"$name".*
}
