"""Benchmark: the public certificate verification page under wrk, beside a bare lookup.

    python bench/verify_wrk.py [--certificates 100000] [--database URL]
                               [--servers granian,gunicorn] [--workers 2]
                               [--connections 32] [--threads 1] [--duration 10]

Builds (once) a database of ``--certificates`` signed certificates in its own file
(``var/bench/verify-<n>.sqlite3``, or the PostgreSQL database of ``--database``), serves
the app as WSGI on 127.0.0.1 under each server in ``--servers`` (granian first: it is the
deployment's server, docs/deploy.md), warms up, and runs wrk against

- the project's page: ``/certificates/verify/?code=…&no=…`` (form, template, the base
  layout; a typed look-up, so also the per-address counter, with its limit raised here);
- the baseline on the same server: ``/_bench/certificate/?no=…``
  (bench/baseline_views.py: one indexed lookup by number, a tiny text response),

each with a Lua script that asks for random existing numbers. DEBUG is off and database
connections are persistent (``XUESHI_CONN_MAX_AGE``, default 60 s). Goals (granian): at
least 80 % of the baseline's requests/s, and p99 ≤ 25 ms at 32 connections.

wrk runs on the same machine as the server: one wrk thread (``--threads 1``) drives the 32
connections at 3,500 req/s and more, and leaves the cores to the server; a second wrk
thread only takes CPU from it (on a 2-core machine: 3,062 against 3,461 req/s and p99 25.4
against 17.8 ms for the page on SQLite, docs/deploy.md).

wrk is the Debian package ``wrk`` (``apt-get install wrk``); granian and gunicorn come with
``pip install -e '.[deploy]'``. Loopback only, bounded runs. The last line printed is the
JSON result of bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "bench"))

import benchlib  # noqa: E402
from benchlib import result_line  # noqa: E402

BIN = Path(sys.executable).parent
NUMBER_PREFIX = "XSB-440500-2024-"
# Every bench certificate has this verification code (a look-up by number needs it).
BENCH_CODE = "BENCH234"
GOAL_RATIO = 0.80
GOAL_P99_MS = 25.0

LUA = """
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("seed", counter)
end
function init(args)
  math.randomseed(os.time() * 1000 + seed)
end
request = function()
  return wrk.format("GET", string.format("%s%s%07d", "{path}", "{prefix}", math.random(1, {n})))
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d %d %d %d %d\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout))
end
"""


@dataclass
class Run:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int


# --- the data set ------------------------------------------------------------------------


def configure(database: str, keys_dir: Path, conn_max_age: int) -> dict[str, str]:
    """The environment of this process and of the servers it starts."""
    env = {
        "DATABASE_URL": database,
        "XUESHI_KEYS_DIR": str(keys_dir),
        "XUESHI_DEBUG": "0",
        "XUESHI_SECRET_KEY": "bench-only-not-a-secret-" + "x" * 40,
        "XUESHI_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "XUESHI_CONN_MAX_AGE": str(conn_max_age),
        # wrk asks from one address: the per-address limit of typed look-ups out of the way.
        "XUESHI_VERIFY_LOOKUPS": str(10**12),
        # The product's settings with the baseline view mounted (bench/bench_settings.py).
        "DJANGO_SETTINGS_MODULE": "bench_settings",
        "PYTHONPATH": os.pathsep.join([str(REPO / "bench"), str(REPO / "src")]),
    }
    os.environ.update(env)
    return env


def ric(serial: int) -> str:
    """A valid, unique resident ID number (Shantou Jinping, born 1960–1999)."""
    import datetime as dt

    from stdnum.cn import ric as stdnum_ric

    birth = dt.date(1960, 1, 1) + dt.timedelta(days=serial // 900 % 14000)
    body = f"440507{birth:%Y%m%d}{serial % 900 + 100:03d}"
    return body + stdnum_ric.calc_check_digit(body + "0")


def seed(count: int) -> None:
    """``count`` professionals, each with one signed, valid 2024 certificate."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    from xueshi.accounts.models import User
    from xueshi.certificates.keys import keyring
    from xueshi.certificates.models import Certificate, CertificateShape
    from xueshi.certificates.signing import sign
    from xueshi.organisations.models import Employer, Region
    from xueshi.organisations.services import regions_sync_from_policy
    from xueshi.people.models import Professional
    from xueshi.policy_store import current_policy

    call_command("migrate", verbosity=0)
    have = Certificate.objects.filter(number__startswith=NUMBER_PREFIX).count()
    if have == count:
        print(f"数据：已有 {count:,} 本证书，复用。")
        return
    if have:
        raise SystemExit(f"database holds {have} bench certificates, not {count}: use a new one")
    started = time.perf_counter()
    if not Region.objects.exists():
        regions_sync_from_policy(policy=current_policy())
    issuer_user = User.objects.create(username="bench-verify-issuer", full_name="核验基准")
    employers = Employer.objects.bulk_create(
        [
            Employer(name=f"汕头市基准单位{i}", uscc=f"BENCHVERIFY{i:07d}", region_id="440500")
            for i in range(50)
        ]
    )
    ring = keyring()
    surnames, given = "陈林黄李张吴郑王刘蔡", "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平"
    hours = {"public": "30.0", "professional": "60.0", "total": "90.0"}
    step = 5000
    for start in range(0, count, step):
        stop = min(start + step, count)
        with transaction.atomic():
            users = User.objects.bulk_create(
                [
                    User(username=f"bv{i:07d}", password="!", full_name="")
                    for i in range(start, stop)
                ]
            )
            people = Professional.objects.bulk_create(
                [
                    Professional(
                        user=user,
                        full_name=surnames[i % 10] + given[i % 20] + given[(i // 20) % 20],
                        id_number=ric(i),
                        series="engineering",
                        title_level="intermediate",
                        region_id="440500",
                        employer=employers[i % len(employers)],
                    )
                    for i, user in zip(range(start, stop), users, strict=True)
                ]
            )
            certificates = []
            for i, person in zip(range(start, stop), people, strict=True):
                number = f"{NUMBER_PREFIX}{i + 1:07d}"
                content = {
                    "no": number,
                    "nm": person.full_name,
                    "id": person.masked_id_number,
                    "y": 2024,
                    "rg": "440500",
                    "rn": "汕头市",
                    "h": hours,
                    "ok": True,
                    "iss": "汕头市人力资源和社会保障局",
                    "dt": "2025-01-15",
                    "pv": "bench",
                }
                certificates.append(
                    Certificate(
                        number=number,
                        shape=CertificateShape.ANNUAL_CERTIFICATE,
                        professional=person,
                        year=2024,
                        years_label="2024 年度",
                        region_id="440500",
                        employer_id=person.employer_id,
                        hours=hours,
                        verdict={"compliant": True},
                        policy_version="bench",
                        issuer="汕头市人力资源和社会保障局",
                        payload=sign(content, ring),
                        kid=ring.active or "",
                        verification_code=BENCH_CODE,
                        issued_by=issuer_user,
                        issued_role="bureau_staff",
                        stamp_by_role="employer",
                    )
                )
            Certificate.objects.bulk_create(certificates)
        print(f"\r数据：{stop:,}/{count:,} 本证书", end="", flush=True)
    print(f"（{time.perf_counter() - started:.0f} s）")


# --- servers and wrk -----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_command(server: str, port: int, workers: int, blocking_threads: int) -> list[str]:
    if server == "granian":
        return [
            str(BIN / "granian"),
            "--interface",
            "wsgi",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--no-ws",
            # One Python thread per worker: more only fight over the GIL and stretch p99.
            "--blocking-threads",
            str(blocking_threads),
            "--log-level",
            "warning",
            "xueshi.config.wsgi:application",
        ]
    if server == "gunicorn":
        return [
            str(BIN / "gunicorn"),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "xueshi.config.wsgi:application",
        ]
    raise SystemExit(f"unknown server {server!r} (granian, gunicorn)")


def wait_ready(base: str, process: subprocess.Popen[bytes], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise SystemExit("the server did not answer /healthz in time")


def check_pages(base: str) -> None:
    """Both endpoints answer 200 for an existing number, and the page shows the verdict."""
    number = f"{NUMBER_PREFIX}{1:07d}"
    page_url = f"{base}/certificates/verify/?code={BENCH_CODE}&no={number}"
    with urllib.request.urlopen(page_url, timeout=5) as r:
        page = r.read().decode()
    if "verify-result" not in page or number not in page or "有效" not in page:
        raise SystemExit("the verification page did not show the certificate")
    with urllib.request.urlopen(f"{base}/_bench/certificate/?no={number}", timeout=5) as r:
        if r.read().decode() != f"{number} valid":
            raise SystemExit("the baseline view did not answer (bench_settings on the path?)")


def wrk(base: str, path: str, count: int, args: argparse.Namespace, duration: int) -> Run:
    script = LUA.replace("{path}", path).replace("{prefix}", NUMBER_PREFIX)
    script = script.replace("{n}", str(count))
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        output = subprocess.run(
            [
                "wrk",
                f"-t{args.threads}",
                f"-c{args.connections}",
                f"-d{duration}s",
                "--timeout",
                "5s",
                "-s",
                handle.name,
                base,
            ],
            check=True,
            capture_output=True,
            text=True,
            timeout=duration + 30,
        ).stdout
    finally:
        os.unlink(handle.name)
    match = re.search(r"^RESULT (.+)$", output, re.MULTILINE)
    if match is None:
        raise SystemExit(f"wrk printed no result:\n{output}")
    requests, micros, p50, p99, *errors = (int(x) for x in match.group(1).split())
    return Run(
        rps=requests / (micros / 1e6),
        p50_ms=p50 / 1000,
        p99_ms=p99 / 1000,
        requests=requests,
        errors=sum(errors),
    )


def median(runs: list[Run]) -> Run:
    """The run of median throughput (its own latencies and errors; errors of all runs)."""
    ordered = sorted(runs, key=lambda r: r.rps)
    middle = ordered[len(ordered) // 2]
    return Run(
        rps=middle.rps,
        p50_ms=middle.p50_ms,
        p99_ms=middle.p99_ms,
        requests=sum(r.requests for r in runs),
        errors=sum(r.errors for r in runs),
    )


def measure(server: str, env: dict[str, str], count: int, args: argparse.Namespace) -> dict:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        server_command(server, port, args.workers, args.blocking_threads),
        env={**os.environ, **env},
        cwd=REPO,
        start_new_session=True,
    )
    try:
        wait_ready(base, process)
        check_pages(base)
        page, bare = f"/certificates/verify/?code={BENCH_CODE}&no=", "/_bench/certificate/?no="
        for path in (bare, page):  # warm up: imports, templates, connections, caches
            wrk(base, path, count, args, duration=2)
        # Alternate the two in rounds and keep the median: the machine is shared and noisy.
        baselines, projects = [], []
        for n in range(args.rounds):
            order = (bare, page) if n % 2 == 0 else (page, bare)
            for path in order:
                run = wrk(base, path, count, args, args.duration)
                (baselines if path == bare else projects).append(run)
        baseline, project = median(baselines), median(projects)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    return {"server": server, "project": project, "baseline": baseline}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--certificates", type=int, default=benchlib.default_size(100_000))
    parser.add_argument("--database", help="database URL (default: a SQLite file in var/bench)")
    parser.add_argument("--servers", default="granian,gunicorn")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=1, help="wrk's (see above)")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run (≤60)")
    parser.add_argument("--blocking-threads", type=int, default=1, help="granian's, per worker")
    parser.add_argument("--rounds", type=int, default=3, help="alternating runs of each")
    parser.add_argument("--conn-max-age", type=int, default=60)
    args = parser.parse_args()
    args.duration = max(1, min(args.duration, 60))

    if shutil.which("wrk") is None:
        print(
            "wrk 未安装：这台机器上找不到 wrk。请以 root 运行 `apt-get install wrk`"
            "（Debian 包 wrk）后重试。\n"
            "wrk is not installed: run `apt-get install wrk` (Debian package), then rerun.",
            file=sys.stderr,
        )
        return 2
    servers = [s.strip() for s in args.servers.split(",") if s.strip()]
    for server in servers:
        if not (BIN / server).exists():
            print(f"{server} 未安装：pip install -e '.[deploy]'", file=sys.stderr)
            return 2

    bench_dir = REPO / "var" / "bench"
    bench_dir.mkdir(parents=True, exist_ok=True)
    database = args.database or benchlib.own_database("verify", args.certificates)
    if database.startswith(("postgres://", "postgresql://")):
        benchlib.postgres_create(database)
    env = configure(database, bench_dir / "keys", args.conn_max_age)
    seed(args.certificates)
    from django.db import connection

    kind = connection.vendor
    connection.close()

    print(
        f"核验页压测：{args.certificates:,} 本证书，{kind}，{args.workers} 个 worker，"
        f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s x{args.rounds}，"
        f"CONN_MAX_AGE={args.conn_max_age}"
    )
    results = []
    for server in servers:
        result = measure(server, env, args.certificates, args)
        results.append(result)
        project, baseline = result["project"], result["baseline"]
        print(
            f"  {server:9s} 核验页 {project.rps:8.0f} req/s  p50 {project.p50_ms:6.1f} ms  "
            f"p99 {project.p99_ms:6.1f} ms  错误 {project.errors}"
        )
        print(
            f"  {server:9s} 基准   {baseline.rps:8.0f} req/s  p50 {baseline.p50_ms:6.1f} ms  "
            f"p99 {baseline.p99_ms:6.1f} ms  错误 {baseline.errors}"
        )
        print(f"  {server:9s} 比值   {project.rps / baseline.rps:.2f}（目标 ≥ {GOAL_RATIO:.2f}）")

    main_result = results[0]
    project, baseline = main_result["project"], main_result["baseline"]
    ratio = project.rps / baseline.rps
    met = (
        ratio >= GOAL_RATIO
        and project.p99_ms <= GOAL_P99_MS
        and project.errors == 0
        and baseline.errors == 0
    )
    print(
        f"目标（{main_result['server']}）：吞吐 ≥ 基准的 {GOAL_RATIO:.0%}，"
        f"p99 ≤ {GOAL_P99_MS:.0f} ms（{args.connections} 个连接）：{'达到' if met else '未达到'}"
    )
    print(
        result_line(
            name="public verification page (wrk)",
            figure=project.rps,
            unit="req/s",
            baseline=baseline.rps,
            ratio=ratio,
            goal=f"≥{GOAL_RATIO}x baseline req/s, p99 ≤{GOAL_P99_MS:.0f} ms at "
            f"{args.connections} connections",
            met=met,
            p99_ms=round(project.p99_ms, 2),
            baseline_p99_ms=round(baseline.p99_ms, 2),
            server=main_result["server"],
            others={
                r["server"]: {
                    "figure": round(r["project"].rps, 1),
                    "baseline": round(r["baseline"].rps, 1),
                    "p99_ms": round(r["project"].p99_ms, 2),
                }
                for r in results[1:]
            },
            certificates=args.certificates,
            database=kind,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
