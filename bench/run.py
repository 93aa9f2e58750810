"""Run the benchmarks in order and print the table (figure, baseline, ratio, goal, met?).

    python bench/run.py [--people 1000000] [--records-per-person 10] [--seed 2026]
                        [--sqlite PATH] [--only NAME,...] [--skip NAME,...]

1. ``generate.py`` makes the data set if it is not there (idempotent): ``--sqlite PATH``,
   else ``DATABASE_URL``, else ``var/bench.sqlite3`` at full size or
   ``var/bench-<people>.sqlite3`` for a smaller ``--people`` (a quick run never touches the
   full-size file);
2. ``compliance.py --year 2020`` and ``--year 2014``; ``my_year.py``;
3. every other benchmark script that exists: ``pages.py`` (every list page as each role),
   ``ledger_dashboard.py``, ``batch_xlsx.py``,
   ``pdf.py``, ``verify_wrk.py`` (and any other ``bench/*.py`` that is not a library or one
   of the above), each in its own process with ``DATABASE_URL`` and ``BENCH_DATABASE_URL``
   (the data set) and ``BENCH_PEOPLE`` in its environment.

Each script ends by printing JSON lines (bench/README.md); the table is made from them and
also written as Markdown to ``bench/results/latest.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib

BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "results" / "latest.md"
FULL_PEOPLE = 1_000_000
# After the data set: ours, then KNOWN_OTHERS that exist, then any other script by name.
KNOWN_OTHERS = [
    "pages.py",
    "ledger_dashboard.py",
    "exports.py",
    "policy_preview.py",
    "batch_xlsx.py",
    "pdf.py",
    "verify_wrk.py",
]
NOT_BENCHMARKS = {"benchlib.py", "generate.py", "run.py", "compliance.py", "my_year.py"}
# Older scripts that print text, not the JSON contract: run them with `python bench/X.py`.
NO_CONTRACT = {"rules_bulk.py"}
TIMEOUT = 3 * 3600


def dataset_url(args: argparse.Namespace) -> str:
    if args.sqlite:
        return f"sqlite:///{Path(args.sqlite).resolve()}"
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    if args.people == FULL_PEOPLE:
        return f"sqlite:///{benchlib.DEFAULT_SQLITE}"
    return f"sqlite:///{benchlib.DEFAULT_SQLITE.with_name(f'bench-{args.people}.sqlite3')}"


def scripts(selected: set[str] | None, skipped: set[str]) -> list[tuple[str, list[str]]]:
    """(name, argv) of every benchmark to run, in order."""
    plan: list[tuple[str, list[str]]] = [
        ("compliance-2020", ["compliance.py", "--year", "2020"]),
        ("compliance-2014", ["compliance.py", "--year", "2014"]),
        ("my_year", ["my_year.py"]),
    ]
    others = [name for name in KNOWN_OTHERS if (BENCH / name).exists()]
    others += sorted(
        p.name
        for p in BENCH.glob("*.py")
        if p.name not in {*KNOWN_OTHERS, *NOT_BENCHMARKS, *NO_CONTRACT}
        and not p.name.startswith("_")
    )
    plan += [(name.removesuffix(".py"), [name]) for name in others]
    return [
        (name, argv)
        for name, argv in plan
        if (selected is None or name in selected) and name not in skipped
    ]


def run_script(
    name: str, argv: list[str], env: dict[str, str], console: Any
) -> list[dict[str, Any]]:
    """Run one benchmark; its stderr and text output pass through, JSON lines are kept."""
    console.rule(f"[bold]{name}[/]  python bench/{' '.join(argv)}")
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, str(BENCH / argv[0]), *argv[1:]],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=benchlib.REPO,
    )
    results = []
    assert process.stdout is not None
    try:
        for line in process.stdout:
            stripped = line.strip()
            if stripped.startswith("{"):
                try:
                    parsed = json.loads(stripped)
                except json.JSONDecodeError:
                    parsed = None
                if isinstance(parsed, dict) and "name" in parsed:
                    results.append(parsed)
                    continue
            sys.stdout.write(line)
            sys.stdout.flush()
        code = process.wait(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        code = -1
    seconds = time.perf_counter() - start
    if code != 0 or not results:
        results.append(
            {
                "name": name,
                "figure": None,
                "unit": "",
                "baseline": None,
                "ratio": None,
                "goal": "",
                "met": False,
                "error": f"exit code {code}" if code else "no result line",
            }
        )
    console.print(f"[dim]{name}: {seconds:,.1f} s[/]")
    return results


def _number(value: Any, unit: str = "") -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        text = f"{value:,.3f}" if abs(value) < 100 else f"{value:,.1f}"
    else:
        text = f"{value:,}" if isinstance(value, int) else str(value)
    return f"{text} {unit}".strip()


def table_rows(results: list[dict[str, Any]]) -> list[list[str]]:
    rows = []
    for r in results:
        unit = r.get("unit") or ""
        ratio = r.get("ratio")
        met = r.get("met")
        rows.append(
            [
                str(r["name"]),
                _number(r.get("figure"), unit),
                _number(r.get("baseline"), unit),
                "—" if ratio is None else f"{ratio:.2f}x",
                str(r.get("goal") or "—"),
                ("yes" if met else "**no**") if "error" not in r else f"**failed** ({r['error']})",
            ]
        )
    return rows


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return f"{os.cpu_count()} cores ({cpu}){memory}, Python {platform.python_version()}"


def markdown(results: list[dict[str, Any]], context: dict[str, str]) -> str:
    header = ["benchmark", "figure", "baseline", "ratio", "goal", "met"]
    lines = [
        "# Benchmark results",
        "",
        *(f"- {key}: {value}" for key, value in context.items()),
        "",
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" for _ in header) + "|",
        *("| " + " | ".join(row) + " |" for row in table_rows(results)),
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from rich.console import Console
    from rich.table import Table

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=FULL_PEOPLE)
    parser.add_argument("--records-per-person", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--only", help="comma-separated names (compliance-2020, my_year, pdf…)")
    parser.add_argument("--skip", default="", help="comma-separated names to leave out")
    benchlib.add_database_argument(parser)
    args = parser.parse_args(argv)
    console = Console(stderr=True)
    url = dataset_url(args)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "BENCH_DATABASE_URL": url,
        "BENCH_PEOPLE": str(args.people),
        "PYTHONUNBUFFERED": "1",
    }

    started = time.perf_counter()
    generate = [
        "generate.py",
        "--people",
        str(args.people),
        "--records-per-person",
        str(args.records_per_person),
        "--seed",
        str(args.seed),
    ]
    results = run_script("generate", generate, env, console)
    load = next((r for r in results if r["name"] == "load"), None)
    if load is None or "error" in load:
        console.print("[red]数据集生成失败，停止。[/]")
        return 1
    selected = set(args.only.split(",")) if args.only else None
    skipped = set(filter(None, args.skip.split(",")))
    for name, script in scripts(selected, skipped):
        results += run_script(name, script, env, console)

    rows = [r for r in results if r["name"] != "load"]
    context = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "database": str(load.get("database", url)),
        "data set": (
            f"{args.people:,} professionals, {load.get('records') or 0:,} hour records "
            f"(seed {args.seed}), loaded in {load['figure']:,.0f} s"
            + (" (by an earlier run)" if load.get("cached") else "")
        ),
        "command": "python bench/run.py "
        + " ".join(a for a in (argv if argv is not None else sys.argv[1:])),
        "total time": f"{time.perf_counter() - started:,.0f} s",
    }
    table = Table(title="xueshi benchmarks")
    for column in ("benchmark", "figure", "baseline", "ratio", "goal", "met"):
        table.add_column(
            column, justify="right" if column in ("figure", "baseline", "ratio") else "left"
        )
    for row in table_rows(rows):
        table.add_row(*(cell.replace("**", "") for cell in row))
    Console().print(table)
    for key, value in context.items():
        print(f"{key}: {value}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(markdown(rows, context), encoding="utf-8")
    print(f"written: {RESULTS.relative_to(benchlib.REPO)}")
    return 0 if all(r.get("met") for r in rows) else 2


if __name__ == "__main__":
    raise SystemExit(main())
