"""Benchmark: every list and report page, signed in as each role, on the generated data set.

    python bench/pages.py [--repeat 7] [--only drill,queue] [--no-open] [--sqlite PATH]

Signs in (Django's test client, DEBUG off, as in production) as the province's bureau
(``bench-bureau-440000``), a city's (``bench-bureau-440500``), the administrator and a
reviewer of the largest employer, the staff of the provider with the most records and a
professional, and fetches each list or report page they have — first, middle and last
page, with the common filters — ``--repeat`` times after one warm-up fetch. Beside each
page, a hand-written SQL query for the same rows (the same filter, order and slice; what
any implementation must at least pay) is timed the same way.

The pages read the compliance ledger for every year that has records: years not yet open
are opened first (``ledger_rebuild``, timed and printed; ``--no-open`` measures the data
set as it is). The employer, reviewer and provider accounts are made on first run
(password ``xueshi-bench-2026``).

Issue 13's pages — the anomaly board (疑点看板) and its records, the charts (统计图表; their
export is a background job) — read integrity flags and the audit trail's review decisions, which the
generated data set has none of: on first run 1 % of the records are flagged (``id % 100 =
7``, the kinds in turn) and 2 % of the approved ones get a submission and a decision in the
audit trail (``id % 50 = 3``, decided 0–20 days later, the employer's level), in SQL.

Prints a table of p50/p95 per page and one JSON line per page (bench/README.md): the p95,
the baseline's p95, the goal (p95 ≤300 ms for a list page, ≤200 ms for the review queue).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib

LIST_GOAL_MS = 300.0
QUEUE_GOAL_MS = 200.0
PAGE_SIZE = 30  # reporting.views.PAGE_SIZE
QUEUE_PAGE_SIZE = 25  # records.review_views.PAGE_SIZE
RECORDS_PAGE_SIZE = 25  # records.views.PAGE_SIZE, training's
ANOMALY_PAGE_SIZE = 50  # inspections.views.PAGE_SIZE


@dataclass
class Page:
    role: str
    label: str
    url: str
    params: dict[str, Any]
    baseline: Callable[[], Any]
    goal_ms: float = LIST_GOAL_MS
    page_ms: list[float] = field(default_factory=list)
    first_ms: float = 0.0  # the warm-up fetch (caches cold: the charts' figures computed)
    base_ms: list[float] = field(default_factory=list)


def _pages_of(count: int, size: int) -> list[tuple[str, int]]:
    """The first, middle and last page of ``count`` rows (each once)."""
    last = max(1, -(-count // size))
    found: dict[int, str] = {}
    for name, n in (("first", 1), ("middle", max(1, (last + 1) // 2)), ("last", last)):
        found.setdefault(n, name)
    return [(name, n) for n, name in found.items()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="timed fetches per page")
    parser.add_argument("--only", default="", help="labels containing any of these words")
    parser.add_argument("--no-open", action="store_true", help="do not open ledger years")
    benchlib.add_database_argument(parser)
    args = parser.parse_args(argv)
    benchlib.setup_django(args.sqlite)

    from django.contrib.auth.hashers import make_password
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.urls import reverse

    from xueshi.accounts.models import Role, RoleAssignment, User
    from xueshi.audit.models import AuditEvent
    from xueshi.compliance.models import LedgerYear, PersonYear
    from xueshi.compliance.services import ledger_rebuild
    from xueshi.organisations.models import Employer, Provider, Region
    from xueshi.people.models import Professional
    from xueshi.records.models import HourRecord, IntegrityFlag
    from xueshi.rules.workflow import RecordState
    from xueshi.training.models import ClassPlan

    info = benchlib.dataset_info()
    if not info or not info["complete"]:
        raise SystemExit("没有完整的数据集：先运行 python bench/generate.py")
    database = benchlib.describe_database()
    postgres = connection.vendor == "postgresql"
    print(f"{database}: {info['people']:,} people, {info['records']:,} records")

    # --- every year with records in the ledger ------------------------------------------
    years = sorted(
        set(
            HourRecord.objects.exclude(status=RecordState.DRAFT)
            .order_by()
            .values_list("credited_year", flat=True)
            .distinct()
        )
    )
    missing = [y for y in years if not LedgerYear.objects.filter(year=y).exists()]
    if missing and not args.no_open:
        start = time.perf_counter()
        for year in missing:
            ledger_rebuild(year=year)
            print(f"ledger year {year} opened", file=sys.stderr)
        print(f"ledger: opened {missing} in {time.perf_counter() - start:,.1f} s")

    # --- the accounts ---------------------------------------------------------------------
    password = make_password(benchlib.BENCH_PASSWORD)

    def account(username: str, role: Role, **scope: Any) -> User:
        user, _ = User.objects.get_or_create(
            username=username, defaults={"password": password, "full_name": username}
        )
        RoleAssignment.objects.get_or_create(user=user, role=role, **scope)
        return user

    largest = (
        Professional.objects.exclude(employer=None)
        .values("employer_id")
        .annotate(n=Count("*"))
        .order_by("-n", "employer_id")
        .first()
    )
    assert largest is not None
    employer = Employer.objects.get(pk=largest["employer_id"])
    provider_row = (
        HourRecord.objects.exclude(provider=None)
        .values("provider_id")
        .annotate(n=Count("*"))
        .order_by("-n", "provider_id")
        .first()
    )
    provider = Provider.objects.get(pk=provider_row["provider_id"]) if provider_row else None
    person = (
        Professional.objects.filter(employer=employer).select_related("user").order_by("pk").first()
    )
    assert person is not None
    users = {
        "province bureau": User.objects.get(username="bench-bureau-440000"),
        "city bureau": User.objects.get(username="bench-bureau-440500"),
        "employer": account(
            f"bench-employer-{employer.pk}", Role.EMPLOYER_ADMIN, employer=employer
        ),
        "reviewer": account(
            f"bench-reviewer-{employer.pk}", Role.EMPLOYER_REVIEWER, employer=employer
        ),
        "professional": person.user,
    }
    if provider is not None:
        users["provider"] = account(
            f"bench-provider-{provider.pk}", Role.PROVIDER_STAFF, provider=provider
        )
    print(
        f"employer {employer.name} ({largest['n']:,} staff); "
        f"provider {provider.name if provider else '—'}; professional {person.user.username}"
    )

    # --- issue 13's data: flags and review decisions, made once --------------------------
    def col(model: Any, name: str) -> str:
        return connection.ops.quote_name(model._meta.get_field(name).column)

    rec_t = connection.ops.quote_name(HourRecord._meta.db_table)
    if not IntegrityFlag.objects.exists():
        start = time.perf_counter()
        flag_t = connection.ops.quote_name(IntegrityFlag._meta.db_table)
        rid = col(HourRecord, "id")
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {flag_t} ({col(IntegrityFlag, 'record')}, "
                f"{col(IntegrityFlag, 'kind')}, {col(IntegrityFlag, 'message')}, "
                f"{col(IntegrityFlag, 'other_record')}, {col(IntegrityFlag, 'status')}, "
                f"{col(IntegrityFlag, 'created_at')}, {col(IntegrityFlag, 'cleared_role')}, "
                f"{col(IntegrityFlag, 'comment')}) "
                f"SELECT {rid}, CASE {rid} % 3 WHEN 0 THEN 'near_duplicate' "
                "WHEN 1 THEN 'overlap' ELSE 'hours_above_days' END, '基准数据的疑点', "
                f"NULL, 'open', {col(HourRecord, 'created_at')}, '', '' FROM {rec_t} "
                f"WHERE {rid} % 100 = 7 AND {col(HourRecord, 'status')} <> 'draft'"
            )
        print(
            f"flags: {IntegrityFlag.objects.count():,} made in {time.perf_counter() - start:,.1f} s"
        )
    target = HourRecord._meta.label_lower
    if not AuditEvent.objects.filter(target_type=target).exists():
        start = time.perf_counter()
        audit_t = connection.ops.quote_name(AuditEvent._meta.db_table)
        rid, created = col(HourRecord, "id"), col(HourRecord, "created_at")
        later = (
            f"{created} + ({rid} % 21) * INTERVAL '1 day'"
            if postgres
            else f"datetime({created}, '+' || ({rid} % 21) || ' days')"
        )
        written = (
            "role action target_type target_id from_status to_status comment policy_version "
            "data client_address result created_at mac"
        )
        names = ", ".join(col(AuditEvent, n) for n in written.split())
        with connection.cursor() as cursor:
            for role, action, when in (
                ("professional", "submit", created),
                ("employer_reviewer", "approve", later),
            ):
                cursor.execute(
                    f"INSERT INTO {audit_t} ({names}) SELECT %s, %s, %s, "
                    f"CAST({rid} AS VARCHAR(64)), '', '', '', '', '{{}}', '', 'success', "
                    f"{when}, '' FROM {rec_t} WHERE {rid} % 50 = 3 "
                    f"AND {col(HourRecord, 'status')} = 'approved'",
                    [role, action, target],
                )
        print(
            f"audit: {AuditEvent.objects.filter(target_type=target).count():,} review events "
            f"made in {time.perf_counter() - start:,.1f} s"
        )

    # --- hand-written SQL ------------------------------------------------------------------
    def q(model: Any) -> str:
        return str(model._meta.db_table)

    ledger, people, employers, records = (
        q(PersonYear),
        q(Professional),
        q(Employer),
        q(HourRecord),
    )
    regions_t = q(Region)

    def sql(text: str, params: list[Any]) -> Callable[[], Any]:
        def run() -> Any:
            with connection.cursor() as cursor:
                cursor.execute(text, params)
                return cursor.fetchall()

        return run

    def codes_under(code: str) -> list[str]:
        path = Region.objects.get(code=code).path
        return list(Region.objects.filter(path__startswith=path).values_list("code", flat=True))

    def ledger_where(codes: list[str], year: int, extra: str) -> tuple[str, list[Any]]:
        marks = ", ".join(["%s"] * len(codes))
        return f"l.year = %s AND l.region_id IN ({marks}){extra}", [year, *codes]

    def ledger_list(where: str, params: list[Any], page: int) -> Callable[[], Any]:
        return sql(
            f"SELECT l.*, p.full_name, p.id_number_masked, e.name FROM {ledger} l "
            f"JOIN {people} p ON p.id = l.professional_id "
            f"LEFT JOIN {employers} e ON e.id = l.employer_id WHERE {where} "
            "ORDER BY p.full_name, l.professional_id LIMIT %s OFFSET %s",
            [*params, PAGE_SIZE, (page - 1) * PAGE_SIZE],
        )

    def ledger_count(where: str, params: list[Any]) -> int:
        return int(sql(f"SELECT COUNT(*) FROM {ledger} l WHERE {where}", params)()[0][0])

    def dashboard_sql(where: str, params: list[Any]) -> Callable[[], Any]:
        groups = sql(
            f"SELECT l.region_id, l.series, l.title_level, l.compliant, COUNT(*) FROM {ledger} l "
            f"WHERE {where} GROUP BY l.region_id, l.series, l.title_level, l.compliant",
            params,
        )
        units = sql(
            f"SELECT l.employer_id, l.compliant, COUNT(*) FROM {ledger} l "
            f"WHERE {where} GROUP BY l.employer_id, l.compliant",
            params,
        )
        return lambda: (groups(), units())

    # The records waiting for a role: by the ``awaiting`` column where the schema has it
    # (its partial index), else from the chain snapshot at the record's step.
    record_columns = {
        c.name for c in connection.introspection.get_table_description(connection.cursor(), records)
    }
    if "awaiting" in record_columns:
        awaiting = "r.awaiting = %s"
    elif postgres:
        awaiting = "r.status = 'in_review' AND (r.chain -> 'steps' ->> r.step) = %s"
    else:
        awaiting = (
            "r.status = 'in_review' AND json_extract(r.chain, '$.steps[' || r.step || ']') = %s"
        )

    def queue(scope: str, scope_params: list[Any], role: str, page: int) -> Callable[[], Any]:
        return sql(
            f"SELECT r.*, p.full_name, p.id_number_masked FROM {records} r "
            f"JOIN {people} p ON p.id = r.professional_id "
            f"WHERE {awaiting} AND {scope} "
            "ORDER BY r.created_at, r.id LIMIT %s OFFSET %s",
            [role, *scope_params, QUEUE_PAGE_SIZE, (page - 1) * QUEUE_PAGE_SIZE],
        )

    def queue_count(scope: str, scope_params: list[Any], role: str) -> int:
        found = sql(
            f"SELECT COUNT(*) FROM {records} r JOIN {people} p ON p.id = r.professional_id "
            f"WHERE {awaiting} AND {scope}",
            [role, *scope_params],
        )()
        return int(found[0][0])

    # --- the pages ---------------------------------------------------------------------------
    bureau_url = reverse("reporting:bureau_compliance")
    employer_url = reverse("reporting:employer_compliance")
    queue_url = reverse("records:review_queue")
    year = 2020
    pages: list[Page] = []
    for role, code in (("province bureau", "440000"), ("city bureau", "440500")):
        codes = codes_under(code)
        where, params = ledger_where(codes, year, "")
        pages.append(
            Page(role, f"达标统计 {year}", bureau_url, {"year": year}, dashboard_sql(where, params))
        )
        for label, extra, filters in (
            ("未达标 drill", " AND l.compliant = %s", {"status": "not_compliant"}),
            ("系列 health drill", " AND l.series = %s", {"series": "health"}),
        ):
            value = False if "compliant" in extra else "health"
            where, params = ledger_where(codes, year, extra)
            params = [*params, value]
            count = ledger_count(where, params)
            for name, n in _pages_of(count, PAGE_SIZE):
                pages.append(
                    Page(
                        role,
                        f"{label} p{n} ({name})",
                        bureau_url,
                        {"year": year, **filters, "page": n},
                        ledger_list(where, params, n),
                    )
                )
        scope = f"p.region_id IN (SELECT code FROM {regions_t} WHERE path LIKE %s)"
        path = Region.objects.get(code=code).path + "%"
        count = queue_count(scope, [path], "bureau")
        for name, n in _pages_of(count, QUEUE_PAGE_SIZE):
            pages.append(
                Page(
                    role,
                    f"待我审核 p{n} ({name})",
                    queue_url,
                    {"page": n},
                    queue(scope, [path], "bureau", n),
                    QUEUE_GOAL_MS,
                )
            )
    staff_where = (
        f"l.year = %s AND l.professional_id IN (SELECT id FROM {people} WHERE employer_id = %s)"
    )
    for label, extra, filters, extra_params in (
        ("本单位达标", "", {}, []),
        ("本单位未达标", " AND l.compliant = %s", {"status": "not_compliant"}, [False]),
    ):
        where = staff_where + extra
        params = [year, employer.pk, *extra_params]
        count = ledger_count(where, params)
        for name, n in _pages_of(count, PAGE_SIZE):
            pages.append(
                Page(
                    "employer",
                    f"{label} p{n} ({name})",
                    employer_url,
                    {"year": year, **filters, "page": n},
                    ledger_list(where, params, n),
                )
            )
    scope = "p.employer_id = %s"
    count = queue_count(scope, [employer.pk], "employer")
    for name, n in _pages_of(count, QUEUE_PAGE_SIZE):
        pages.append(
            Page(
                "reviewer",
                f"待我审核 p{n} ({name})",
                queue_url,
                {"page": n},
                queue(scope, [employer.pk], "employer", n),
                QUEUE_GOAL_MS,
            )
        )
    if provider is not None:
        pages.append(
            Page(
                "provider",
                "培训班 p1",
                reverse("training:provider_classes"),
                {},
                sql(
                    f"SELECT * FROM {q(ClassPlan)} WHERE provider_id = %s "
                    "ORDER BY start_date DESC, id DESC LIMIT %s",
                    [provider.pk, RECORDS_PAGE_SIZE],
                ),
            )
        )
    pages.append(
        Page(
            "professional",
            "我的学时记录 p1",
            reverse("records:my_records"),
            {},
            sql(
                f"SELECT * FROM {records} WHERE professional_id = %s "
                "ORDER BY credited_year DESC, end_date DESC, id DESC LIMIT %s",
                [person.pk, RECORDS_PAGE_SIZE],
            ),
        )
    )
    pages.append(
        Page(
            "professional",
            "我的年度学时",
            reverse("reporting:my_year"),
            {},
            sql(
                f"SELECT * FROM {records} WHERE professional_id = %s AND status <> 'draft' "
                "ORDER BY credited_year, end_date, id",
                [person.pk],
            ),
        )
    )
    # --- issue 13: the anomaly board and its records, the charts and their export -------
    flags_t, audit_t = q(IntegrityFlag), q(AuditEvent)
    anomalies_url = reverse("inspections:anomalies")
    anomaly_records_url = reverse("inspections:anomaly_records")
    charts_url = reverse("reporting:bureau_charts")
    in_region = (
        f"JOIN {records} r ON r.id = f.record_id JOIN {people} p ON p.id = r.professional_id "
        f"JOIN {regions_t} g ON g.code = p.region_id WHERE f.status = 'open' "
        "AND r.credited_year = %s AND g.path LIKE %s"
    )
    for role, code in (("province bureau", "440000"), ("city bureau", "440500")):
        path = Region.objects.get(code=code).path + "%"
        pages.append(
            Page(
                role,
                f"疑点看板 {year}",
                anomalies_url,
                {"year": year},
                sql(
                    f"SELECT f.kind, COALESCE(r.provider_name, ''), COUNT(*) FROM {flags_t} f "
                    f"{in_region} GROUP BY f.kind, COALESCE(r.provider_name, '')",
                    [year, path],
                ),
            )
        )
        kind = "overlap"
        count = int(
            sql(
                f"SELECT COUNT(*) FROM {flags_t} f {in_region} AND f.kind = %s", [year, path, kind]
            )()[0][0]
        )
        for name, n in _pages_of(count, ANOMALY_PAGE_SIZE):
            pages.append(
                Page(
                    role,
                    f"疑点记录 p{n} ({name})",
                    anomaly_records_url,
                    {"year": year, "kind": kind, "page": n},
                    sql(
                        f"SELECT f.*, r.*, p.full_name FROM {flags_t} f {in_region} "
                        "AND f.kind = %s ORDER BY p.full_name, f.id LIMIT %s OFFSET %s",
                        [year, path, kind, ANOMALY_PAGE_SIZE, (n - 1) * ANOMALY_PAGE_SIZE],
                    ),
                )
            )
        codes = codes_under(code)
        marks = ", ".join(["%s"] * len(codes))
        chart_queries = [
            sql(
                f"SELECT l.year, COUNT(*), SUM(CASE WHEN l.compliant THEN 1 ELSE 0 END) "
                f"FROM {ledger} l WHERE l.region_id IN ({marks}) AND l.compliant IS NOT NULL "
                "GROUP BY l.year",
                codes,
            ),
            *(
                sql(
                    f"SELECT l.{key}, COUNT(*), SUM(CASE WHEN l.compliant THEN 1 ELSE 0 END) "
                    f"FROM {ledger} l WHERE l.year = %s AND l.region_id IN ({marks}) "
                    f"AND l.compliant IS NOT NULL GROUP BY l.{key}",
                    [year, *codes],
                )
                for key in ("region_id", "series", "title_level")
            ),
            sql(
                f"SELECT r.awaiting, COUNT(*) FROM {records} r JOIN {people} p "
                f"ON p.id = r.professional_id WHERE r.awaiting IS NOT NULL "
                f"AND p.region_id IN ({marks}) GROUP BY r.awaiting",
                codes,
            ),
            # the review decisions of the year on the region's records, with their arrivals
            sql(
                f"SELECT a.target_id, a.action, a.role, a.created_at FROM {audit_t} a "
                f"WHERE a.target_type = %s AND a.action IN "
                "('submit', 'resubmit', 'approve', 'return', 'reject') AND a.target_id IN ("
                f"SELECT d.target_id FROM {audit_t} d JOIN {records} r "
                f"ON r.id = CAST(d.target_id AS INTEGER) JOIN {people} p "
                f"ON p.id = r.professional_id WHERE d.target_type = %s "
                "AND d.action IN ('approve', 'return', 'reject') "
                f"AND d.created_at >= %s AND d.created_at < %s AND p.region_id IN ({marks})) "
                "ORDER BY a.target_id, a.created_at, a.id",
                [
                    HourRecord._meta.label_lower,
                    HourRecord._meta.label_lower,
                    f"{year}-01-01",
                    f"{year + 1}-01-01",
                    *codes,
                ],
            ),
        ]
        pages.append(
            Page(
                role,
                f"统计图表 {year}",
                charts_url,
                {"year": year},
                lambda queries=chart_queries: [query() for query in queries],
            )
        )
    wanted = [w for w in args.only.split(",") if w]
    if wanted:
        pages = [p for p in pages if any(w in f"{p.role} {p.label}" for w in wanted)]

    # --- measure ---------------------------------------------------------------------------
    clients: dict[str, Client] = {}
    for role, user in users.items():
        clients[role] = benchlib.signed_in(Client(), user)
    for page in pages:
        client = clients[page.role]
        for n in range(args.repeat + 1):
            start = time.perf_counter()
            response = client.get(page.url, page.params)
            elapsed = (time.perf_counter() - start) * 1000
            if response.status_code != 200:
                raise SystemExit(f"{page.role} {page.label}: HTTP {response.status_code}")
            start = time.perf_counter()
            page.baseline()
            base = (time.perf_counter() - start) * 1000
            if n:  # the first fetch warms the caches
                page.page_ms.append(elapsed)
                page.base_ms.append(base)
            else:
                page.first_ms = elapsed
        p = benchlib.percentile
        print(
            f"{page.role:16} {page.label:28} p50 {p(page.page_ms, 50):8.1f} ms  "
            f"p95 {p(page.page_ms, 95):8.1f} ms   baseline p50 {p(page.base_ms, 50):7.1f} ms  "
            f"p95 {p(page.base_ms, 95):7.1f} ms   first {page.first_ms:7.1f} ms",
            flush=True,
        )
    for page in pages:
        p95 = benchlib.percentile(page.page_ms, 95)
        base = benchlib.percentile(page.base_ms, 95)
        print(
            benchlib.result_line(
                name=f"page {page.role}: {page.label}",
                figure=p95,
                unit="ms",
                baseline=base,
                ratio=p95 / base if base else None,
                goal=f"p95 ≤{page.goal_ms:.0f} ms",
                met=p95 <= page.goal_ms,
                p50=round(benchlib.percentile(page.page_ms, 50), 3),
                first=round(page.first_ms, 3),
                url=page.url,
                params=page.params,
                people=info["people"],
                records=info["records"],
                database=database,
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
