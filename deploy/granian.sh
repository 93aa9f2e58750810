#!/usr/bin/env bash
# Serve xueshi with granian (WSGI) from a checkout, without systemd: the same command line as
# deploy/xueshi-web.service. Usage: deploy/granian.sh [PORT] (default 8000), with the
# environment of deploy/xueshi.env.example exported (or `set -a; . /etc/xueshi/xueshi.env`).
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${VENV:-.venv}"
port="${1:-8000}"
workers="${XUESHI_WEB_WORKERS:-$(nproc)}"
static="${XUESHI_VAR_DIR:-var}/static"
"$venv/bin/xueshi" collectstatic --noinput --verbosity 0
exec "$venv/bin/granian" --interface wsgi --host "${XUESHI_WEB_HOST:-127.0.0.1}" --port "$port" \
    --workers "$workers" --blocking-threads 1 --no-ws \
    --static-path-route /static --static-path-mount "$static" \
    --log-level warning xueshi.config.wsgi:application
