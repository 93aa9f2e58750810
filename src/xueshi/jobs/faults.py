"""Fault injection at named points of a job, for the fault tests and an operator's drill.

``XUESHI_FAULT`` lists ``<point>:<action>`` pairs, comma-separated; a point is named
``<job kind>.<moment>`` (``hour_batch_import.before_commit``, ``year_end.after_commit``,
``certificate_print.start``…, see ``job_run``). The actions:

- ``kill``: the process sends itself SIGKILL there (what the out-of-memory killer does);
- ``sleep``: it sleeps ``XUESHI_FAULT_SECONDS`` (default 5) and goes on;
- ``wait``: it writes the point's name to the file ``XUESHI_FAULT_FILE`` and waits until
  that file is removed (a test cuts the database meanwhile, then lets it go on).

Each point acts once per process (a retry run by the same worker goes through). Unset
(always, in production), a point costs one dictionary look-up.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

FAULT_ENV = "XUESHI_FAULT"
_fired: set[str] = set()


def fault_point(name: str) -> None:
    spec = os.environ.get(FAULT_ENV, "")
    if not spec:
        return
    for item in spec.split(","):
        point, _, action = item.strip().partition(":")
        if point != name or name in _fired:
            continue
        _fired.add(name)
        if action == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        elif action == "sleep":
            time.sleep(float(os.environ.get("XUESHI_FAULT_SECONDS", "5")))
        elif action == "wait":
            marker = Path(os.environ["XUESHI_FAULT_FILE"])
            marker.write_text(name, encoding="utf-8")
            while marker.exists():
                time.sleep(0.05)
