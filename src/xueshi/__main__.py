"""``python -m xueshi`` — same as the ``xueshi`` command."""

from xueshi.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
