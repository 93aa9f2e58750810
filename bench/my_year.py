"""Benchmark: a professional's "my year" (我的年度学时) with the whole data set present.

    python bench/my_year.py [--sample 200] [--seed 2026] [--sqlite PATH]

For ``--sample`` professionals drawn at random (seeded) from the data set of
``bench/generate.py``, each in the year the page opens on (their latest year with records):

- the selector ``xueshi.reporting.selectors.person_year_verdict`` (one query, the rules);
- the page ``/my-year/`` rendered through Django's test client, signed in as the person
  (DEBUG off, so as in production);
- the baseline: the same records fetched with one hand-written SQL query on the same
  index, without the rules or the page — what any implementation must at least pay.

Prints p50 and p95 of each (milliseconds). Goal: the page's p50 ≤ 20 ms. The last lines are
the JSON results of bench/README.md (selector, then page).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib

GOAL_MS = 20.0
WARM_UP = 10


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=200)
    parser.add_argument("--seed", type=int, default=2026)
    benchlib.add_database_argument(parser)
    args = parser.parse_args(argv)
    benchlib.setup_django(args.sqlite)

    import numpy as np
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from xueshi.compliance.bridge import LOOKBACK_YEARS, person_year_verdict
    from xueshi.compliance.person_year import default_year, record_years
    from xueshi.people.models import Professional
    from xueshi.records.models import HourRecord
    from xueshi.rules import PolicyError
    from xueshi.rules.workflow import RecordState

    info = benchlib.dataset_info()
    if not info or not info["complete"]:
        raise SystemExit("没有完整的数据集：先运行 python bench/generate.py")
    database = benchlib.describe_database()
    ids = np.fromiter(Professional.objects.values_list("pk", flat=True), dtype=np.int64)
    rng = np.random.default_rng(args.seed)
    chosen = rng.choice(ids, size=min(len(ids), args.sample + WARM_UP), replace=False).tolist()
    print(
        f"{database}: {info['people']:,} people, {info['records']:,} records; sample {args.sample}"
    )

    table = HourRecord._meta.db_table
    column = {f.name: f.column for f in HourRecord._meta.concrete_fields}
    baseline_sql = (
        f"SELECT * FROM {table} WHERE {column['professional']} = %s "
        f"AND {column['credited_year']} > %s AND {column['credited_year']} <= %s "
        f"AND {column['status']} <> %s ORDER BY {column['credited_year']}, "
        f"{column['end_date']}, {column['id']}"
    )

    def bare(professional_id: int, year: int) -> list[Any]:
        with connection.cursor() as cursor:
            cursor.execute(
                baseline_sql, [professional_id, year - LOOKBACK_YEARS, year, RecordState.DRAFT]
            )
            return cursor.fetchall()

    client = Client()
    url = reverse("reporting:my_year")
    selector_ms: list[float] = []
    page_ms: list[float] = []
    page_cpu_ms: list[float] = []  # this process's CPU: what the page costs without neighbours
    bare_ms: list[float] = []
    records_read = 0
    for n, pk in enumerate(chosen):
        professional = Professional.objects.select_related("region", "employer", "user").get(pk=pk)
        year = default_year(record_years(professional))
        client.force_login(professional.user)

        start = time.perf_counter()
        with contextlib.suppress(PolicyError):  # nothing in force: the page says so
            person_year_verdict(professional, year)
        selector = time.perf_counter() - start

        start, cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        page, page_cpu = time.perf_counter() - start, time.process_time() - cpu
        if response.status_code != 200 or "我的年度学时" not in response.content.decode():
            raise SystemExit(f"/my-year/ for professional {pk}: HTTP {response.status_code}")

        start = time.perf_counter()
        rows = bare(pk, year)
        baseline = time.perf_counter() - start
        client.logout()
        if n < WARM_UP:  # templates compiled, policy loaded, caches warm
            continue
        records_read += len(rows)
        selector_ms.append(selector * 1000)
        page_ms.append(page * 1000)
        page_cpu_ms.append(page_cpu * 1000)
        bare_ms.append(baseline * 1000)

    def p(values: list[float], q: float) -> float:
        return benchlib.percentile(values, q)

    print(f"records per person-year read: {records_read / max(1, len(page_ms)):.1f}")
    for label, values in (
        ("baseline (one indexed SQL query)", bare_ms),
        ("selector person_year_verdict", selector_ms),
        ("page /my-year/ (test client)", page_ms),
        ("page, CPU time of this process", page_cpu_ms),
    ):
        print(f"{label:36} p50 {p(values, 50):7.2f} ms   p95 {p(values, 95):7.2f} ms")
    base = p(bare_ms, 50)
    for name, values in (("selector", selector_ms), ("page", page_ms)):
        p50 = p(values, 50)
        print(
            benchlib.result_line(
                name=f"my year {name} p50",
                figure=p50,
                unit="ms",
                baseline=base,
                ratio=p50 / base if base else None,
                goal=f"p50 ≤{GOAL_MS:.0f} ms",
                met=p50 <= GOAL_MS,
                p95=round(p(values, 95), 3),
                **({"cpu_p50": round(p(page_cpu_ms, 50), 3)} if name == "page" else {}),
                sample=len(values),
                people=info["people"],
                records=info["records"],
                database=database,
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
