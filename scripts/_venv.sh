# shellcheck shell=bash
# Sourced by start.sh and test.sh: make .venv and install the project into it.
#
# On a clean machine nothing is installed, so this is the single place that builds the
# environment. Reinstalls only when pyproject.toml changed (or XUESHI_FORCE_INSTALL=1).

XUESHI_PYTHON=${XUESHI_PYTHON:-python3}
VENV_DIR=${VENV_DIR:-.venv}

ensure_venv() {
    if [ ! -x "$VENV_DIR/bin/python" ]; then
        echo "Creating $VENV_DIR with $($XUESHI_PYTHON --version 2>&1)"
        "$XUESHI_PYTHON" -m venv "$VENV_DIR"
        "$VENV_DIR/bin/python" -m pip install --quiet --upgrade pip
    fi

    local stamp="$VENV_DIR/.xueshi-install-stamp"
    local wanted
    wanted=$(sha256sum pyproject.toml | cut -d' ' -f1)
    if [ "${XUESHI_FORCE_INSTALL:-0}" = "1" ] || [ ! -f "$stamp" ] \
        || [ "$(cat "$stamp")" != "$wanted" ] || [ ! -x "$VENV_DIR/bin/xueshi" ]; then
        echo "Installing xueshi and its development tools into $VENV_DIR"
        "$VENV_DIR/bin/python" -m pip install --quiet --disable-pip-version-check -e '.[dev]'
        echo "$wanted" > "$stamp"
    fi
    export PATH="$PWD/$VENV_DIR/bin:$PATH"
}
