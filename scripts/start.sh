#!/usr/bin/env bash
# Install everything, create the database, mirror the policy's regions, rebuild any ledger
# year built under an older policy, load the demo data (idempotent), print the demo logins
# and start the server: http://127.0.0.1:8000
# SQLite in var/ unless DATABASE_URL is set.
# Extra arguments go to `xueshi demo` (e.g. --addr 0.0.0.0:8000).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/_venv.sh
source scripts/_venv.sh

# Certificates embed a TrueType CJK font (WenQuanYi Zen Hei from Debian); without it they fall
# back to a font that is not embedded, and say so.
if ! dpkg -s fonts-wqy-zenhei >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
    sudo=()
    [ "$(id -u)" -ne 0 ] && sudo=(sudo)
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq fonts-wqy-zenhei \
        || echo "!!! fonts-wqy-zenhei could not be installed: certificate PDFs will warn"
fi

ensure_venv
# What every deploy does after the new code is in place (docs/deploy.md): the schema, the
# policy's regions, and a rebuild of any ledger year built under an older policy — here, in
# this process: the demo runs no task worker. `xueshi demo` then loads the demo data.
xueshi migrate --noinput
xueshi regions sync
xueshi policy sync --here
exec xueshi demo "$@"
