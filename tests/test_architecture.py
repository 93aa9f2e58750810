"""Architecture rules that a reviewer should not have to check by eye.

The rules core (src/xueshi/rules) is pure Python: it loads policy, resolves it and
evaluates people without Django, so it can run from the command line, in benchmarks
over millions of person-years, and inside the web app alike.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

REPO_DIR = Path(__file__).resolve().parents[1]
RULES_DIR = REPO_DIR / "src" / "xueshi" / "rules"


def _django_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found += [
            f"{path.relative_to(REPO_DIR)}:{node.lineno}: {name}"
            for name in names
            if name == "django" or name.startswith("django.")
        ]
    return found


def test_rules_core_source_imports_no_django() -> None:
    """No module under src/xueshi/rules imports django, at any depth or in any branch."""
    offenders = [hit for path in sorted(RULES_DIR.rglob("*.py")) for hit in _django_imports(path)]

    assert offenders == [], "the rules core must not import Django:\n" + "\n".join(offenders)


@pytest.mark.skipif(
    not (RULES_DIR / "__init__.py").exists(), reason="src/xueshi/rules does not exist yet"
)
def test_importing_rules_core_loads_no_django() -> None:
    """Importing xueshi.rules and its CLI leaves Django out of sys.modules, transitively."""
    code = (
        "import sys\n"
        "import xueshi.rules, xueshi.rules.cli\n"
        "loaded = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "print('\\n'.join(loaded))\n"
        "sys.exit(3 if loaded else 0)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=REPO_DIR,
        timeout=120,
        check=False,
    )

    assert result.returncode != 3, "importing xueshi.rules loaded Django:\n" + result.stdout
    assert result.returncode == 0, "importing xueshi.rules failed:\n" + result.stderr


def test_tests_carry_no_type_ignores() -> None:
    """mypy checks src/, not tests/ (scripts/test.sh): an ignore in a test silences nothing
    and only says something untrue about the code."""
    tests_dir = REPO_DIR / "tests"
    marker = "# type" + ": ignore"  # spelled apart so this file does not match itself
    offenders = [
        f"{path.relative_to(REPO_DIR)}:{number}"
        for path in sorted(tests_dir.rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if marker in line
    ]

    assert offenders == [], "dead type ignores in tests:\n" + "\n".join(offenders)
