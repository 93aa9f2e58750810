"""What the benchmark scripts share: which database, Django set-up, timing, the result line.

Every benchmark prints, as the last line of its standard output, one JSON object (the
contract in bench/README.md) that ``bench/run.py`` collects into the table.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src"
DEFAULT_SQLITE = REPO / "var" / "bench.sqlite3"
# Only for the throw-away benchmark database: the pages are rendered as in production
# (DEBUG off, so no query log and no debug toolbar of any kind).
BENCH_SECRET_KEY = "bench-only-not-a-secret-xueshi-2026"
BENCH_PASSWORD = "xueshi-bench-2026"

if str(SRC) not in sys.path:
    sys.path.insert(0, str(SRC))


def add_database_argument(parser: Any) -> None:
    parser.add_argument(
        "--sqlite",
        metavar="PATH",
        help="SQLite file of the data set (default: $DATABASE_URL if set, else "
        f"{DEFAULT_SQLITE.relative_to(REPO)})",
    )


def database_url(sqlite: str | None) -> str:
    """The data set's database: ``--sqlite PATH`` if given, else ``DATABASE_URL``, else the
    default bench file — never the development database in var/xueshi.sqlite3."""
    if sqlite:
        return f"sqlite:///{Path(sqlite).resolve()}"
    return os.environ.get("DATABASE_URL") or f"sqlite:///{DEFAULT_SQLITE}"


def own_database(kind: str, size: int) -> str:
    """This benchmark's own database: on the PostgreSQL server of the data set when
    ``BENCH_DATABASE_URL``/``DATABASE_URL`` names one (database ``<name>_<kind>``), else a
    SQLite file in var/bench."""
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL") or ""
    if url.startswith(("postgres://", "postgresql://")):
        base, _, name = url.rpartition("/")
        name = name.split("?", 1)[0] or "xueshi"
        return f"{base}/{name}_{kind}_{size}"
    return f"sqlite:///{REPO / 'var' / 'bench' / f'{kind}-{size}.sqlite3'}"


def default_size(full: int) -> int:
    """``full``, or fewer on a quick run (``BENCH_PEOPLE`` below 1,000,000: bench/README.md)."""
    people = int(os.environ.get("BENCH_PEOPLE") or 1_000_000)
    return full if people >= 1_000_000 else max(1_000, min(full, people))


def postgres_create(url: str) -> None:
    """CREATE DATABASE for a postgres:// URL if it does not exist."""
    import dj_database_url
    import psycopg

    cfg = dj_database_url.parse(url)
    admin = psycopg.connect(
        host=cfg["HOST"] or "127.0.0.1",
        port=int(cfg["PORT"] or 5432),
        user=cfg["USER"] or "postgres",
        password=cfg["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )
    with admin:
        found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [cfg["NAME"]])
        if found.fetchone() is None:
            admin.execute(f'CREATE DATABASE "{cfg["NAME"]}"')


def setup_django(sqlite: str | None) -> str:
    """Point Django at the data set's database and set it up. Returns the URL (for messages;
    no password is ever part of it here, trust auth is local)."""
    url = database_url(sqlite)
    if url.startswith(("postgres://", "postgresql://")):
        postgres_create(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("XUESHI_DEBUG", "false")
    os.environ.setdefault("XUESHI_SECRET_KEY", BENCH_SECRET_KEY)
    os.environ.setdefault("XUESHI_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xueshi.config.settings")
    import django

    django.setup()
    return url


def vendor() -> str:
    from django.db import connection

    return str(connection.vendor)


def describe_database() -> str:
    from django.db import connection

    if connection.vendor == "sqlite":
        return f"SQLite {connection.Database.sqlite_version} ({connection.settings_dict['NAME']})"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        (version,) = cursor.fetchone()
    return f"PostgreSQL {version} ({connection.settings_dict['NAME']})"


def dataset_info() -> dict[str, Any] | None:
    """The data set's parameters as ``bench/generate.py`` recorded them, or None."""
    from django.db import connection

    if "bench_dataset" not in connection.introspection.table_names():
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT seed, people, records_per_person, records, complete, load_seconds "
            "FROM bench_dataset"
        )
        row = cursor.fetchone()
    if row is None:
        return None
    keys = ("seed", "people", "records_per_person", "records", "complete", "load_seconds")
    return dict(zip(keys, row, strict=True))


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def best_of(repeat: int, fn: Callable[[], Any]) -> tuple[float, Any]:
    """The fastest of ``repeat`` runs (the others carry noise from a shared machine)."""
    best, result = float("inf"), None
    for _ in range(max(1, repeat)):
        seconds, result = timed(fn)
        best = min(best, seconds)
    return best, result


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (0–100), by linear interpolation between the closest ranks."""
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]


def result_line(
    *,
    name: str,
    figure: float,
    unit: str,
    goal: str,
    met: bool,
    baseline: float | None = None,
    ratio: float | None = None,
    **extra: Any,
) -> str:
    """The benchmark's result, one JSON line (bench/README.md); print it last on stdout."""
    line = {
        "name": name,
        "figure": round(figure, 4),
        "unit": unit,
        "baseline": None if baseline is None else round(baseline, 4),
        "ratio": None if ratio is None else round(ratio, 3),
        "goal": goal,
        "met": bool(met),
        **extra,
    }
    return json.dumps(line, ensure_ascii=False)


def signed_in(client: Any, user: Any) -> Any:
    """``client`` signed in as ``user`` as the login page and 二次验证 would leave it: for a
    role that needs the second factor, the session verified by a confirmed TOTP device (every
    request checks it: xueshi/accounts/middleware.py)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from xueshi.accounts.second_factor import confirmed_device, needs_second_factor

    client.force_login(user)
    if needs_second_factor(user):
        device = confirmed_device(user) or TOTPDevice.objects.create(
            user=user, name="基准测试设备", confirmed=True
        )
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client
