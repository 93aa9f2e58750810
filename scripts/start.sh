#!/usr/bin/env bash
# Install everything, create the database, load the demo data (idempotent), print the demo
# logins and start the server: http://127.0.0.1:8000
# SQLite in var/ unless DATABASE_URL is set.
# Extra arguments go to `xueshi demo` (e.g. --addr 0.0.0.0:8000).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/_venv.sh
source scripts/_venv.sh

ensure_venv
exec xueshi demo "$@"
