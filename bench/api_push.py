"""Benchmark: learners' results pushed through the open API over loopback, against the Excel
batch of the same rows and a bare bulk insert, in the same run.

    python bench/api_push.py [--rows 100000] [--batch 5000] [--database URL]

The data set is bench/batch_xlsx.py's (a Shantou class with ``--rows`` enrolled learners,
its own database). A provider's API client is registered for it; a real HTTP server
(Django's WSGI server, one thread) listens on 127.0.0.1 and docs/examples/xueshi_client.py
pushes the rows in calls of ``--batch`` (signed, HMAC-SHA256), as a sector system would.
Then, on the same tables (each run's entries removed, untimed):

- baseline: calamine read + one bulk insert of the passed learners' records (batch_xlsx's);
- Excel: ``hour_batch_upload`` of the same rows as one file (batch_xlsx's project);
- API: every call signed, parsed, checked for replay, its ids matched (xAPI), its rows
  checked and entered by ``hour_batch_enter``, a receipt kept, the call audited;
- API replay: the same calls again (every id known, nothing entered).

Best of ``--repeat`` rounds. The last line is the JSON result of bench/README.md; the goal
is the API ≤ 2x the Excel path (the API's extra work: HTTP, JSON, signatures, ids, receipts).
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO / "docs" / "examples"))

import batch_xlsx  # noqa: E402
import benchlib  # noqa: E402
from benchlib import result_line  # noqa: E402

GOAL_RATIO = 2.0


def items(rows: int) -> list[dict[str, Any]]:
    return [
        {
            "external_id": f"bench-{i:07d}",
            "name": batch_xlsx.name(i),
            "id_number": batch_xlsx.ric(i),
            "score": str(batch_xlsx.score(i)),
        }
        for i in range(rows)
    ]


def register(plan: Any) -> tuple[str, str]:
    from xueshi.accounts.access import ActiveRole
    from xueshi.accounts.models import RoleAssignment
    from xueshi.api.models import ApiClient
    from xueshi.api.services import api_client_register, api_client_secret_rotate

    bureau = ActiveRole(RoleAssignment.objects.get(user__username="bench-batch-bureau"))
    user = bureau.assignment.user
    found = ApiClient.objects.filter(name="基准报送系统").first()
    if found is not None:
        secret = api_client_secret_rotate(actor=user, active=bureau, client_id=found.pk)
        return found.app_key, secret
    client, secret = api_client_register(
        actor=user,
        active=bureau,
        name="基准报送系统",
        kind="provider",
        scopes=["hours:push"],
        provider_id=plan.provider_id,
    )
    return client.app_key, secret


def clear_api(plan_ids: list[int]) -> None:
    from xueshi.api.models import ApiReceipt, PushedResult

    PushedResult.objects.filter(class_plan_id__in=plan_ids).delete()
    ApiReceipt.objects.filter(class_plan_id__in=plan_ids).delete()


def serve() -> tuple[Any, int]:
    from django.core.servers.basehttp import WSGIRequestHandler, WSGIServer
    from django.core.wsgi import get_wsgi_application

    class Quiet(WSGIRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = WSGIServer(("127.0.0.1", 0), Quiet, ipv6=False)
    server.set_app(get_wsgi_application())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


def push_all(client: Any, plan_id: int, rows: list[dict[str, Any]], batch: int) -> dict[str, int]:
    totals: dict[str, int] = {}
    for start in range(0, len(rows), batch):
        receipt = client.push_results(plan_id, rows[start : start + batch])
        for key in ("created", "unchanged", "failed", "conflicts", "refused"):
            totals[key] = totals.get(key, 0) + receipt[key]
    return totals


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=benchlib.default_size(100_000))
    parser.add_argument("--batch", type=int, default=5_000)
    parser.add_argument("--database", help="database URL (default: a SQLite file in var/bench)")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each; the best is kept")
    args = parser.parse_args()

    database = args.database or benchlib.own_database("batch", args.rows)
    if database.startswith(("postgres://", "postgresql://")):
        benchlib.postgres_create(database)
    # Entry deadlines are judged at the class's upload day (the clock's configured date).
    os.environ.update({"XUESHI_DEMO": "1", "XUESHI_DEMO_DATE": batch_xlsx.UPLOAD_DAY.isoformat()})
    batch_xlsx.configure(database)
    from django.conf import settings
    from django.db import connection
    from xueshi_client import XueshiClient

    settings.XUESHI_BATCH_MAX_ROWS = max(settings.XUESHI_BATCH_MAX_ROWS, args.rows)
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"client": "1000000/min"},
    }
    world = batch_xlsx.seed(args.rows)
    from xueshi.compliance.models import LedgerYear
    from xueshi.compliance.services import ledger_rebuild

    if not LedgerYear.objects.filter(year=batch_xlsx.START.year).exists():
        ledger_rebuild(year=batch_xlsx.START.year)
    plan, spare, staff = world["plan"], world["spare"], world["staff"]
    clear_api([plan.pk])
    batch_xlsx.clear([plan.pk, spare.pk])
    app_key, secret = register(plan)
    data = batch_xlsx.workbook(args.rows)
    rows = items(args.rows)
    server, port = serve()
    client = XueshiClient(f"http://127.0.0.1:{port}", app_key, secret, timeout=600)
    print(f"开放接口报送：{args.rows:,} 条，每次 {args.batch:,} 条，{connection.vendor}")

    from xueshi.policy_store import current_policy

    current_policy()
    base_runs, excel_runs, api_runs, replay_runs = [], [], [], []
    for _ in range(args.repeat):
        started = time.perf_counter()
        inserted = batch_xlsx.baseline(data, spare, staff)
        base_runs.append(time.perf_counter() - started)
        batch_xlsx.clear([spare.pk])
        print(f"  基准（calamine + 批量写入 {inserted:,} 条）：{base_runs[-1]:7.2f} s")

        started = time.perf_counter()
        excel = batch_xlsx.project(data, plan, staff)
        excel_runs.append(time.perf_counter() - started)
        if not excel.accepted or excel.created != inserted:
            raise SystemExit(f"the Excel path did not enter the file: {excel.created}")
        batch_xlsx.clear([plan.pk])
        print(f"  Excel 批量登记（同一批数据）：{excel_runs[-1]:7.2f} s")

        connection.close()  # the server thread writes; this one only waits
        started = time.perf_counter()
        totals = push_all(client, plan.pk, rows, args.batch)
        api_runs.append(time.perf_counter() - started)
        if totals.get("created") != inserted or totals.get("refused"):
            raise SystemExit(f"the API did not enter the rows: {totals}")
        print(f"  开放接口报送（签名、逐条编号、回执、审计）：{api_runs[-1]:7.2f} s")
        started = time.perf_counter()
        again = push_all(client, plan.pk, rows, args.batch)
        replay_runs.append(time.perf_counter() - started)
        if again.get("created") or again.get("unchanged") != args.rows:
            raise SystemExit(f"a replay changed something: {again}")
        print(f"  原样重发（全部 unchanged）：{replay_runs[-1]:7.2f} s")
        clear_api([plan.pk])
        batch_xlsx.clear([plan.pk])
    server.shutdown()
    base_s, excel_s, api_s, replay_s = (
        min(base_runs),
        min(excel_runs),
        min(api_runs),
        min(replay_runs),
    )
    ratio = api_s / excel_s
    met = ratio <= GOAL_RATIO
    print(
        f"  开放接口 / Excel {ratio:.2f}x（目标 ≤ {GOAL_RATIO:.0f}x）；"
        f"开放接口 / 基准 {api_s / base_s:.2f}x；{args.rows / api_s:,.0f} 条/秒"
    )
    print(
        result_line(
            name=f"{args.rows // 1000}k results pushed over the API",
            figure=api_s,
            unit="s",
            baseline=excel_s,
            ratio=ratio,
            goal=f"≤{GOAL_RATIO:.0f}x the Excel batch of the same rows",
            met=met,
            rows=args.rows,
            batch=args.batch,
            bulk_insert_s=round(base_s, 3),
            replay_s=round(replay_s, 3),
            database=connection.vendor,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
