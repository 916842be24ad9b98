#!/usr/bin/env bash
# The peer of `lieux index`: load a schema v1.0.2 CSV into PostgreSQL 15 + PostGIS and index
# it for the same queries (GiST on the points, GIN on a French unaccented tsvector).
# Starts a private server on a unix socket in a temporary directory, prints the wall time of
# the load and indexing in seconds, and stops the server.
#
#   benches/postgis-load.sh bench-data/places-1000000.csv
set -euo pipefail
csv=$(realpath "$1")
if ! command -v /usr/lib/postgresql/15/bin/initdb >/dev/null || [ ! -d /usr/share/postgresql/15/extension ] \
   || ! ls /usr/share/postgresql/15/extension/postgis.control >/dev/null 2>&1; then
  apt-get update -qq && apt-get install -y -qq postgresql-15 postgresql-15-postgis-3 >/dev/null
fi
bin=/usr/lib/postgresql/15/bin
dir=$(mktemp -d /tmp/lieux-pg.XXXXXX)
chown postgres "$dir"
chmod 755 "$(dirname "$csv")" 2>/dev/null || true
as_pg() { runuser -u postgres -- "$@"; }
as_pg "$bin/initdb" -D "$dir/data" -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
as_pg "$bin/pg_ctl" -D "$dir/data" -o "-k $dir -c listen_addresses='' -c shared_buffers=1GB -c maintenance_work_mem=512MB -c max_wal_size=4GB -c synchronous_commit=off" -l "$dir/log" -w start >/dev/null
trap 'as_pg "$bin/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1; rm -rf "$dir"' EXIT
psql() { as_pg /usr/bin/psql -h "$dir" -d postgres -v ON_ERROR_STOP=1 -q "$@"; }
columns=$(head -1 "$csv" | tr ',' '\n' | sed 's/.*/& text/' | paste -sd, -)
psql -c "CREATE EXTENSION postgis; CREATE EXTENSION unaccent;"
psql -c "CREATE TABLE lieux ($columns);"
start=$(date +%s.%N)
cat "$csv" | psql -c "\\copy lieux FROM STDIN CSV HEADER"
psql <<'SQL'
ALTER TABLE lieux ADD COLUMN geom geometry(Point, 4326), ADD COLUMN tsv tsvector;
UPDATE lieux SET
  geom = ST_SetSRID(ST_MakePoint(longitude::float8, latitude::float8), 4326),
  tsv = to_tsvector('french', unaccent(concat_ws(' ', nom, services, typologie, commune,
        code_postal, adresse, complement_adresse, presentation_resume, presentation_detail)));
CREATE INDEX lieux_geom ON lieux USING gist (geom);
CREATE INDEX lieux_tsv ON lieux USING gin (tsv);
CREATE UNIQUE INDEX lieux_id ON lieux (id);
ANALYZE lieux;
SQL
end=$(date +%s.%N)
echo "$end - $start" | bc
