"""A copy of the policy data that a test may edit, in force for that test."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from xueshi import policy_store


class PolicyCopy:
    """``settings.XUESHI_POLICY_DIR`` pointed at a copy of the policy folder; ``set`` edits
    one dated value in it and reloads, as a deploy of new policy data would."""

    def __init__(self, settings: Any, folder: Path) -> None:
        shutil.copytree(settings.XUESHI_POLICY_DIR, folder)
        self.root = folder
        settings.XUESHI_POLICY_DIR = folder
        self.reload()

    def reload(self) -> None:
        policy_store.policy_reload()

    def set(self, region: str, parameter: str, since: str, old: str, new: str) -> None:
        """Change ``parameter``'s entry in force from ``since`` in ``region`` from ``old``
        to ``new`` (its ``value:`` line, as written)."""
        path = self.root / "regions" / region / "parameters.yaml"
        lines = path.read_text(encoding="utf-8").split("\n")
        start = lines.index(f"{parameter}:")
        entry = lines.index(f"  - from: {since}", start)
        at = next(i for i in range(entry, len(lines)) if lines[i].startswith("    value:"))
        assert lines[at] == f"    value: {old}", lines[at]
        lines[at] = f"    value: {new}"
        path.write_text("\n".join(lines), encoding="utf-8")
        self.reload()
