#!/usr/bin/env bash
# The peer of `lieux index`: load a schema v1.0.2 CSV into PostgreSQL 15 + PostGIS and index it
# for the same queries (see benches/pg.sh). Prints the wall time of the load and indexing in
# seconds, then stops the server.
#
#   benches/postgis-load.sh bench-data/places-1000000.csv
set -euo pipefail
. "$(dirname "$0")/pg.sh"
pg_start
pg_load "$1"
