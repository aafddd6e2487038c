#!/usr/bin/env bash
# Installs the DuckDB CLI (PyPI duckdb-cli, the DuckDB version ticklake links)
# into a cache dir for bench/query's side-by-side runs, once, and prints its
# path. Idempotent and quiet except for the path.
set -euo pipefail
VERSION=1.5.6
DIR="${TICKLAKE_CACHE_DIR:-$HOME/.cache/ticklake}/duckdb-cli-$VERSION"
if [ ! -x "$DIR/bin/duckdb" ]; then
  python3 -m venv "$DIR" >&2
  "$DIR/bin/pip" install -q "duckdb-cli==$VERSION" >&2
fi
echo "$DIR/bin/duckdb"
