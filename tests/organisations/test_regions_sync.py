"""``xueshi regions sync``: the regions of the policy in force mirrored into the database,
idempotently (what scripts/start.sh and a deploy run after ``migrate``)."""

from __future__ import annotations

import io

from django.core.management import call_command

from xueshi.organisations.models import Region
from xueshi.policy_store import current_policy


def _sync() -> str:
    out = io.StringIO()
    call_command("regions", "sync", stdout=out)
    return out.getvalue()


def test_regions_sync_mirrors_the_policy_and_a_second_run_changes_nothing(
    db: None,
) -> None:
    out = _sync()
    count = len(current_policy().regions)
    assert f"新增 {count} 个，更新 0 个，无变化 0 个" in out
    assert Region.objects.get(code="350504").path == "000000/350000/350500/350504/"
    Region.objects.filter(code="440500").update(name="汕头")
    Region.objects.create(code="440300", name="深圳市", level="city", path="000000/440300/")
    out = _sync()
    assert f"新增 0 个，更新 1 个，无变化 {count - 1} 个，1 个不在政策中（保留）" in out
    assert "汕头市" in out
    assert Region.objects.get(code="440500").name == "汕头市"
    out = _sync()
    assert f"新增 0 个，更新 0 个，无变化 {count} 个" in out
