#!/usr/bin/env bash
# The whole suite: lint, format, types, import layers, tests on SQLite and on PostgreSQL, browser tests in
# headless Chromium, policy cases.
# Every step runs even when an earlier one fails; the summary at the end lists them all
# and the script exits non-zero if any failed.
#
#   XUESHI_TEST_PG_URL   PostgreSQL for the second pytest pass
#                        (default postgres://postgres@127.0.0.1:5432/xueshi, trust auth)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/_venv.sh
source scripts/_venv.sh

PG_URL=${XUESHI_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/xueshi}

passed=()
failed=()
skipped=()

section() {
    printf '\n==================== %s ====================\n' "$*"
}

# step NAME COMMAND...: run COMMAND under a header and record the outcome.
step() {
    local name=$1
    shift
    section "$name"
    echo "+ $*"
    local rc=0
    "$@" || rc=$?
    if [ "$rc" -eq 0 ]; then
        passed+=("$name")
    else
        echo "!!! $name FAILED (exit $rc)"
        failed+=("$name")
    fi
}

fail_step() {
    local name=$1 reason=$2
    section "$name"
    echo "!!! $name FAILED: $reason"
    failed+=("$name: $reason")
}

# Exit 0 if PostgreSQL at $PG_URL accepts connections (to its maintenance database).
pg_ready() {
    python - "$PG_URL" <<'PY'
import sys

import psycopg

try:
    psycopg.connect(sys.argv[1], dbname="postgres", connect_timeout=3).close()
except psycopg.Error as exc:
    print(f"PostgreSQL not reachable: {str(exc).strip()}", file=sys.stderr)
    sys.exit(1)
PY
}

# Create the application database if missing, so that `DATABASE_URL=$PG_URL xueshi …`
# works too; pytest-django creates and drops test_<name> itself.
pg_create_database() {
    python - "$PG_URL" <<'PY'
import sys

import psycopg
from psycopg import sql

url = sys.argv[1]
name = psycopg.conninfo.conninfo_to_dict(url).get("dbname") or "xueshi"
with psycopg.connect(url, dbname="postgres", autocommit=True, connect_timeout=3) as conn:
    exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    if not exists:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        print(f"created database {name}")
    user = conn.execute("SELECT current_user").fetchone()
    print(f"PostgreSQL ready: database {name}, role {user[0] if user else '?'}")
PY
}

ensure_postgres() {
    if pg_ready 2>/dev/null; then
        pg_create_database
        return 0
    fi
    echo "PostgreSQL is not accepting connections; trying to start the local cluster"
    if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
        local version
        version=$(ls /etc/postgresql | sort -V | tail -n 1)
        pg_ctlcluster --skip-systemctl-redirect "$version" main start \
            || echo "pg_ctlcluster $version main start failed"
    else
        echo "no local PostgreSQL cluster found (pg_ctlcluster, /etc/postgresql)"
    fi
    local i
    for i in $(seq 1 30); do
        if pg_ready 2>/dev/null; then
            pg_create_database
            return 0
        fi
        sleep 1
    done
    pg_ready || true
    return 1
}

# Debian packages the tests need, installed when missing (CI machines start bare):
# Chromium for the browser tests (Playwright cannot download its own here), a CJK TrueType
# font (pages and certificate PDFs), poppler-utils (pdftotext, pdftoppm) and zbar-tools
# (zbarimg) to read certificate PDFs back.
DEBIAN_PACKAGES=(chromium fonts-wqy-zenhei poppler-utils zbar-tools)

ensure_debian_packages() {
    local missing=()
    for package in "${DEBIAN_PACKAGES[@]}"; do
        dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
    done
    if [ "${#missing[@]}" -eq 0 ]; then
        echo "debian packages: ${DEBIAN_PACKAGES[*]} present"
        return 0
    fi
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "apt-get is not available to install: ${missing[*]}"
        return 1
    fi
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        sudo=(sudo)
    fi
    echo "Installing with apt-get: ${missing[*]}"
    "${sudo[@]}" apt-get update -qq || true
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}"
}

section "Environment"
ensure_debian_packages || echo "!!! some Debian packages could not be installed"
ensure_venv
python --version
echo "django $(python -c 'import django; print(django.get_version())')"
ruff --version
mypy --version

lint_dirs=()
for dir in src tests bench; do
    [ -d "$dir" ] && lint_dirs+=("$dir")
done

step "ruff check" ruff check "${lint_dirs[@]}"
step "ruff format --check" ruff format --check "${lint_dirs[@]}"
step "mypy" mypy src
step "import layers (lint-imports)" lint-imports --no-cache
# Known-insecure patterns in the code (offline; pip-audit has no data here, STACK_NOTES.md).
step "bandit" bandit -q -c pyproject.toml -r src
# The browser tests run once, in their own step below, not in each database pass.
step "pytest (SQLite)" env -u DATABASE_URL pytest -m "not browser"

section "PostgreSQL"
if ensure_postgres; then
    # A streaming replica of the cluster for tests/db/test_replica.py (scripts/replica.sh).
    replica_url=""
    if replica_out=$(bash scripts/replica.sh); then
        echo "$replica_out"
        replica_url=$(echo "$replica_out" | tail -n 1)
    else
        echo "$replica_out"
        fail_step "PostgreSQL replica" "scripts/replica.sh could not make a streaming standby"
    fi
    step "pytest (PostgreSQL)" env DATABASE_URL="$PG_URL" XUESHI_TEST_REPLICA_URL="$replica_url" \
        pytest -m "not browser"
else
    fail_step "pytest (PostgreSQL)" "PostgreSQL is not reachable at $PG_URL"
fi

section "Chromium"
if [ -x /usr/bin/chromium ]; then
    step "pytest (browser, headless Chromium)" env -u DATABASE_URL pytest -m browser
else
    fail_step "pytest (browser, headless Chromium)" "chromium could not be installed"
fi

if [ -f src/xueshi/rules/cli.py ]; then
    step "policy cases (xueshi rules test)" xueshi rules test tests/policy_cases
else
    section "policy cases (xueshi rules test)"
    echo "not run: src/xueshi/rules/cli.py does not exist yet"
    skipped+=("policy cases: src/xueshi/rules/cli.py does not exist yet")
fi

section "Summary"
for name in "${passed[@]}"; do echo "  PASS  $name"; done
for name in "${skipped[@]}"; do echo "  SKIP  $name"; done
for name in "${failed[@]}"; do echo "  FAIL  $name"; done
if [ "${#failed[@]}" -gt 0 ]; then
    echo "${#failed[@]} step(s) failed."
    exit 1
fi
echo "All ${#passed[@]} steps passed."
