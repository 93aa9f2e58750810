from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import time_machine


@pytest.fixture
def in_guangde_2020() -> Iterator[None]:
    """Guangde's booklet is the 2020 notice's, issued under the rule of the year it is
    issued in: the bureau's desk in mid-2020 (docs/adr/0014)."""
    with time_machine.travel(dt.datetime(2020, 6, 1, 3, tzinfo=dt.UTC)):
        yield


@pytest.fixture
def _keys(settings, tmp_path):
    """The signing keys in a folder of the test's own."""
    settings.XUESHI_KEYS_DIR = tmp_path / "keys"
