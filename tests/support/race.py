"""Racing real threads against PostgreSQL: each job runs in its own thread (and its own
connection) released at once by a barrier; what each returned or refused is collected."""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field

from django.db import connection

from xueshi.errors import ServiceError


@dataclass
class Outcome:
    results: list[object] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)
    unexpected: list[BaseException] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def race(
    jobs: list[Callable[[], object]],
    around: Callable[[], AbstractContextManager[object]] = nullcontext,
) -> Outcome:
    """Run the jobs at once; ``around`` is entered in each thread (a thread starts with an
    empty context: the demo clock's date, for one, is not inherited)."""
    outcome = Outcome()
    start = threading.Barrier(len(jobs))

    def work(job: Callable[[], object]) -> None:
        try:
            start.wait()
            with around():
                try:
                    result = job()
                except ServiceError as exc:
                    with outcome.lock:
                        outcome.refusals.append(exc.message)
                else:
                    with outcome.lock:
                        outcome.results.append(result)
        except BaseException as exc:
            with outcome.lock:
                outcome.unexpected.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    return outcome
