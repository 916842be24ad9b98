#!/usr/bin/env bash
# The whole test suite, with what it needs, in one command (the README's; .ci/run runs it):
#
#   tests/run.sh
#
# 1. installs what the tests need when it is missing: Debian's chromium for the page's browser
#    tests, poppler-utils (pdftotext, pdftoppm) and zbar-tools (zbarimg) to read back the
#    orientation sheet's PDF and QR code, python3-feedparser for the Atom feed's, gdal-bin
#    (ogrinfo, ogr2ogr) and python3-owslib, the OGC API – Features clients of tests/ogc.rs, and
#    nginx-light, the static host of the published map's test and the load balancer of the
#    several nodes' (tests/nodes.rs), postgresql-15, their shared store, and openssl, the
#    certificates of its TLS test (with apt-get, as root
#    or through sudo), and the page's npm packages (`npm ci` in web/,
#    which build.rs needs to build the page, and the browser tests to drive chromium and
#    audit the page with axe-core);
# 2. checks the import rules of ARCHITECTURE.md (tests/check_imports.py), then runs every Rust
#    test of the workspace (`cargo test --workspace`: the unit and in-process tests, the one
#    integration binary, the doctests), then validates the OpenAPI document against the
#    OpenAPI 3.1 schema (openapi-spec-validator) and the server against the document
#    (schemathesis, every check, seed 1, 100 examples), both installed from PyPI in
#    target/tools;
# 3. runs every fuzz target for FUZZ_SECONDS (default 20) from its committed seeds;
# 4. runs the benchmark harness's smoke run (10,000 places, a second per workload, against
#    PostgreSQL + PostGIS and supercluster, which it installs): it checks that every request
#    succeeds, not how fast.
#
# `tests/run.sh --rust` stops after step 2 (the Rust tests and the OpenAPI checks). The raw
# public sources are read from ../shared/data/raw (shared/ beside the repository).
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() {
  if [ "$(id -u)" = 0 ]; then
    "$@"
  elif command -v sudo >/dev/null; then
    sudo "$@"
  else
    echo "tests/run.sh: $* needs root (or sudo); install it by hand" >&2
    exit 1
  fi
}

if ! command -v chromium >/dev/null || ! command -v pdftotext >/dev/null || ! command -v pdftoppm >/dev/null \
  || ! command -v zbarimg >/dev/null || ! /usr/bin/python3 -c 'import feedparser' 2>/dev/null \
  || ! command -v ogrinfo >/dev/null || ! command -v ogr2ogr >/dev/null \
  || ! /usr/bin/python3 -c 'import owslib.ogcapi.features' 2>/dev/null \
  || ! [ -x /usr/sbin/nginx ] || ! [ -x /usr/lib/postgresql/15/bin/initdb ] || ! command -v openssl >/dev/null; then
  echo "tests/run.sh: installing Debian's chromium (the page's browser tests), poppler-utils and zbar-tools (the orientation sheet's PDF and QR code), python3-feedparser (the Atom feed's reader), gdal-bin and python3-owslib (OGC API – Features clients) nginx-light (the static host of a map published as PMTiles, the load balancer of several nodes) and postgresql-15 (their shared store), with openssl (its test certificates)" >&2
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq
  as_root apt-get install -y -qq chromium poppler-utils zbar-tools python3-feedparser gdal-bin python3-owslib nginx-light postgresql-15 openssl >/dev/null
fi
if ! command -v npm >/dev/null; then
  echo "tests/run.sh: Node.js 20+ and npm are needed to build the page (apt-get install nodejs npm)" >&2
  exit 1
fi
# `npm ci` installs exactly the lockfile; it runs again only when the lockfile has changed since
# the last install (whose copy is kept in node_modules/).
if ! cmp -s web/package-lock.json web/node_modules/.installed-package-lock.json 2>/dev/null; then
  (cd web && npm ci --no-audit --no-fund && cp package-lock.json node_modules/.installed-package-lock.json)
fi

python3 tests/check_imports.py
cargo test --workspace
# The OpenAPI document against the OpenAPI 3.1 schema, and against the server, with tools we
# did not write (openapi-spec-validator and schemathesis, from PyPI, in a virtual environment of
# their own): schemathesis sends what the document allows, and what it does not, to a server on
# the bundled data, with every check, a fixed seed and a bounded number of examples.
tools=target/tools
[ -x "$tools/venv/bin/st" ] && [ -x "$tools/venv/bin/openapi-spec-validator" ] || {
  python3 -m venv "$tools/venv"
  "$tools/venv/bin/pip" install --quiet 'openapi-spec-validator==0.9.*' 'schemathesis==4.*'
}
cargo run --quiet -- openapi > "$tools/openapi.json"
"$tools/venv/bin/openapi-spec-validator" "$tools/openapi.json"
echo "a-token-that-schemathesis-does-not-know" > "$tools/admin-token"
cargo build --quiet --release
# Its contributions go to a state directory of its own, emptied first.
rm -rf "$tools/state"
target/release/lieux serve --bind 127.0.0.1:0 --admin-token-file "$tools/admin-token" \
  --state-dir "$tools/state" --rate-limit write=off < /dev/null 2> "$tools/serve.log" &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
. benches/common.sh
port=$(listening_port "$tools/serve.log" "$server")
[ -n "$port" ] || { cat "$tools/serve.log" >&2; exit 1; }
# From target/tools, where it keeps its own files. One worker: with two, hypothesis parsing its
# sources in both threads at once hit "AST constructor recursion depth mismatch" in CPython
# 3.11.7, and one takes no longer (20 s for 100 examples).
(cd "$tools" && venv/bin/st --config-file ../../tests/schemathesis.toml run \
  "http://127.0.0.1:$port/openapi.json" --checks all --seed 1 \
  --max-examples 100 --workers 1 --generation-database none)
kill $server
trap - EXIT
[ "${1:-}" = "--rust" ] && exit 0
fuzz/run.sh "${FUZZ_SECONDS:-20}"
benches/run.sh --smoke
