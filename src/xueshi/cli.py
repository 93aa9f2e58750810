"""The ``xueshi`` command.

- ``xueshi rules ...``  the rules engine's own CLI (no Django involved)
- ``xueshi demo``       migrate, sync the regions, load the demo data and print its logins,
                        then serve on 127.0.0.1:8000 (``--addr HOST:PORT``)
- ``xueshi <command>``  any Django management command (``migrate``, ``runserver``, ``check``…)
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from xueshi.rules.policy import Policy

SETTINGS_MODULE = "xueshi.config.settings"
PROG = "xueshi"

USAGE = f"""\
usage: {PROG} rules ...                 rules engine (test, explain, …)
       {PROG} certificate verify FILE-OR-PAYLOAD   check a certificate PDF or QR offline
       {PROG} batch check FILE           check a provider's batch file (.xlsx) offline
       {PROG} demo [--addr HOST:PORT]    migrate, load the demo data, run the server
       {PROG} <django command> ...       any Django management command
"""


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    command = args[0] if args else ""

    if command == "rules":
        return _rules(args[1:])
    if command == "certificate":
        return _certificate(args[1:])

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)
    if command == "demo":
        return _demo(args[1:])
    if command == "batch":
        return _batch(args[1:])
    if command in {"", "-h", "--help", "help"} and len(args) <= 1:
        sys.stdout.write(USAGE + "\n")

    from django.core.management import execute_from_command_line

    execute_from_command_line([PROG, *args])
    return 0


def _rules(argv: list[str]) -> int:
    # Imported lazily: the rules engine must run without loading Django.
    try:
        module = importlib.import_module("xueshi.rules.cli")
    except ModuleNotFoundError as exc:
        if exc.name not in {"xueshi.rules", "xueshi.rules.cli"}:
            raise
        sys.stderr.write(f"{PROG} rules: the rules engine (xueshi.rules.cli) is not installed\n")
        return 2
    rules_main: Callable[..., int] = module.main
    return rules_main(argv, published=_published_policy)


def _published_policy() -> Policy:
    """The policy in force — the repository's with the notices bureaus published in the
    database — for ``xueshi rules show`` and ``check``. Django is loaded only when asked. A
    database that cannot be read (not migrated, not reachable) gives the repository's policy,
    saying so on stderr."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)
    import django

    django.setup()
    from django.db import DatabaseError

    from xueshi.policy_store import base_policy, current_policy, policy_check_due

    policy_check_due()
    try:
        return current_policy()
    except DatabaseError as exc:
        sys.stderr.write(
            f"{PROG} rules: 无法读取数据库中已发布的政策（{exc.__class__.__name__}），"
            "以下仅为仓库中的政策。\n"
        )
        return base_policy()


def _certificate(argv: list[str]) -> int:
    """``xueshi certificate verify FILE-OR-PAYLOAD``: offline, with the public keys only."""
    if not argv or argv[0] != "verify":
        sys.stderr.write(f"usage: {PROG} certificate verify FILE-OR-PAYLOAD [--keys DIR]\n")
        return 2
    from pathlib import Path

    from xueshi.certificates.offline import main as verify_main

    var = Path(os.environ.get("XUESHI_VAR_DIR", Path(__file__).resolve().parents[2] / "var"))
    keys = Path(os.environ.get("XUESHI_KEYS_DIR", var / "keys"))
    return verify_main(argv[1:], default_keys=keys)


def _batch(argv: list[str]) -> int:
    """``xueshi batch check FILE``: 0 valid, 1 rows invalid, 2 unreadable or refused."""
    if not argv or argv[0] != "check":
        sys.stderr.write(f"usage: {PROG} batch check FILE\n")
        return 2
    import django

    django.setup()
    from xueshi.training.batch_check import main as check_main

    return check_main(argv[1:])


def public_url(addr: str) -> str:
    """The address a browser on this machine opens for ``runserver``'s HOST:PORT (or PORT):
    ``0.0.0.0:8101`` and ``8101`` are http://127.0.0.1:8101; an IPv6 host keeps its brackets."""
    host, _, port = addr.rpartition(":")
    if not host or host in {"0.0.0.0", "[::]", "::"}:  # nosec B104: read, not bound
        host = "127.0.0.1"
    return f"http://{host}:{port or '8000'}"


def _demo(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog=f"{PROG} demo",
        description="Migrate the database, sync the regions from the policy, load the demo "
        "data (idempotent) and print its logins, then run the development server.",
    )
    parser.add_argument("--addr", default="127.0.0.1:8000", help="HOST:PORT (default %(default)s)")
    parser.add_argument("--noreload", action="store_true", help="do not use the auto-reloader")
    options = parser.parse_args(argv)

    # One process and no task worker in the demo: long jobs (batch print, Excel import,
    # year-end) run in the request that starts them.
    os.environ.setdefault("XUESHI_JOBS_INLINE", "1")
    # Debug is off unless asked for; the demo asks (runserver then serves the static files).
    # Never in production: the settings refuse debug there.
    os.environ.setdefault("XUESHI_DEBUG", "1")
    # The demo's clock runs at the seed scenarios' dates (演示日期, xueshi.clock).
    os.environ.setdefault("XUESHI_DEMO", "1")
    # Certificates and their QR codes point at the address served here, unless set.
    os.environ.setdefault("XUESHI_PUBLIC_URL", public_url(options.addr))
    import django
    from django.core.management import call_command, execute_from_command_line

    django.setup()
    # The auto-reloader re-runs this command in a child process (RUN_MAIN=true); prepare once.
    if os.environ.get("RUN_MAIN") != "true":
        from xueshi.organisations.services import regions_sync_from_policy
        from xueshi.policy_store import current_policy

        call_command("migrate", interactive=False, verbosity=1)
        regions_sync_from_policy(policy=current_policy())
        call_command("demo_load")

    runserver = [PROG, "runserver", options.addr]
    if options.noreload:
        runserver.append("--noreload")
    execute_from_command_line(runserver)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
