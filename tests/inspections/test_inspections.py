"""Spot inspections 抽查 (issue 13, item 3; Shantou 2014 §六(七), Luojiang 2017 §一(五)4): a
reproducible stratified draw, inspectors, findings with evidence, and sanctions the people's
verdicts and certificates follow."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.certificates.test_verify_page import issued_to
from tests.support.factories import ProviderFactory, UserFactory, grant, regions
from xueshi.accounts.models import Role
from xueshi.audit.models import AuditEvent
from xueshi.compliance.live import compliance_of
from xueshi.errors import ServiceError
from xueshi.inspections.models import Inspection, ItemResult, Sanction, SanctionKind
from xueshi.inspections.sampling import draw, sample_size
from xueshi.inspections.services import (
    inspection_assign,
    inspection_draw,
    inspection_finding_record,
    sanction_apply,
)
from xueshi.organisations.models import ProviderFilingStatus
from xueshi.people.models import Professional
from xueshi.records.models import HourRecord
from xueshi.rules.workflow import RecordState
from xueshi.training.models import ClassPlan, ClassStatus

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% inspection record\n"


def test_the_draw_is_reproducible_stratified_and_at_least_one_a_stratum() -> None:
    population = {"甲": list(range(1, 41)), "乙": [101, 102, 103], "丙": []}
    first = draw(population, Decimal(5), "seed-1")
    assert first == draw(population, Decimal(5), "seed-1")
    assert set(first) == {"甲", "乙"}  # an empty stratum draws nothing
    assert (len(first["甲"]), len(first["乙"])) == (2, 1)  # ceil(5 % of 40), at least one
    assert set(first["甲"]) <= set(population["甲"])
    others = {tuple(draw(population, Decimal(5), f"seed-{n}")["甲"]) for n in range(2, 12)}
    assert len(others) > 1  # another seed, another sample
    # A stratum's sample does not depend on the others.
    assert draw({"甲": population["甲"]}, Decimal(5), "seed-1")["甲"] == first["甲"]
    assert [sample_size(n, Decimal(5)) for n in (0, 1, 20, 21, 100)] == [0, 1, 1, 2, 5]


@pytest.fixture
def shantou_2014() -> dict[str, Any]:
    """Thirty approved 2014 classes of two Shantou providers, and a person whose 2014 is
    complete with a certificate."""
    regions()
    providers = [ProviderFactory(name="汕头市行政学院"), ProviderFactory(name="汕头市卫生学校")]
    for n in range(30):
        ClassPlan.objects.create(
            provider=providers[n % 3 == 0],
            region_id="440500",
            title=f"专业科目研修班第{n + 1}期",
            category="professional",
            start_date=dt.date(2014, 5, 1) + dt.timedelta(days=n),
            end_date=dt.date(2014, 5, 3) + dt.timedelta(days=n),
            hours=Decimal(21),
            status=ClassStatus.APPROVED,
        )
    certificate = issued_to("陈一")
    bureau = grant(UserFactory(), Role.BUREAU_STAFF, region_id="440500")
    return {"providers": providers, "certificate": certificate, "bureau": bureau}


def _draw(bureau: Any, seed: str = "2014-抽查") -> Inspection:
    return inspection_draw(
        actor=bureau.assignment.user,
        active=bureau,
        year=2014,
        kind="classes",
        share=Decimal(5),
        stratify="provider",
        seed=seed,
    )


def test_a_bureau_draws_five_percent_of_2014_classes_by_provider(
    shantou_2014: dict[str, Any],
) -> None:
    inspection = _draw(shantou_2014["bureau"])
    items = list(inspection.items.order_by("target_id"))
    by_provider = {
        p.name: ClassPlan.objects.filter(provider=p).count() for p in shantou_2014["providers"]
    }
    assert inspection.population == 30
    assert len(items) == sum(math.ceil(n * 5 / 100) for n in by_provider.values())
    assert {i.stratum for i in items} == set(by_provider)
    again = _draw(shantou_2014["bureau"])
    assert [i.target_id for i in again.items.order_by("target_id")] == [i.target_id for i in items]
    event = AuditEvent.objects.filter(action="inspection_draw").last()
    assert event.data["seed"] == "2014-抽查"
    assert event.data["drawn"] == len(items)


def test_hours_not_recognised_move_verdicts_and_list_certificates(
    shantou_2014: dict[str, Any],
) -> None:
    bureau, certificate = shantou_2014["bureau"], shantou_2014["certificate"]
    person = Professional.objects.filter(pk=certificate.professional_id)
    assert compliance_of(person, 2014)[0].compliant
    inspection = _draw(bureau)
    item = inspection.items.order_by("pk").first()
    # The person's professional hours were learnt in the class drawn.
    professional = HourRecord.objects.get(professional=person.get(), category="professional")
    HourRecord.objects.filter(pk=professional.pk).update(class_plan_id=item.target_id)
    inspector = grant(UserFactory(), Role.BUREAU_STAFF, region_id="440500")
    inspection_assign(
        actor=bureau.assignment.user,
        active=bureau,
        item_id=item.pk,
        inspector_id=inspector.assignment.user.pk,
    )
    with pytest.raises(ServiceError, match="须先记录发现的问题"):
        sanction_apply(
            actor=bureau.assignment.user,
            active=bureau,
            item_id=item.pk,
            kind=SanctionKind.NOT_RECOGNISED,
            reason="x",
        )
    inspection_finding_record(
        actor=inspector.assignment.user,
        active=inspector,
        item_id=item.pk,
        result=ItemResult.PROBLEM,
        finding="签到表仅有开班当天签名，学时与实际不符",
        evidence=SimpleUploadedFile("签到表.pdf", PDF, content_type="application/pdf"),
    )
    sanction = sanction_apply(
        actor=bureau.assignment.user,
        active=bureau,
        item_id=item.pk,
        kind=SanctionKind.NOT_RECOGNISED,
        reason="培训学时不实",
    )
    professional.refresh_from_db()
    assert professional.status == RecordState.REJECTED
    assert professional.last_comment == "抽查不予认定：培训学时不实"
    assert sanction.records == 1
    assert list(sanction.certificates.all()) == [certificate]
    assert not compliance_of(person, 2014)[0].compliant
    assert AuditEvent.objects.filter(
        action="inspection_not_recognised", target_id=str(professional.pk)
    ).exists()
    with pytest.raises(ServiceError, match="已作出“学时不予认定”处理"):
        sanction_apply(
            actor=bureau.assignment.user,
            active=bureau,
            item_id=item.pk,
            kind=SanctionKind.NOT_RECOGNISED,
            reason="again",
        )
    assert Sanction.objects.count() == 1


def test_a_provider_suspended_and_criticised_in_public(shantou_2014: dict[str, Any]) -> None:
    bureau = shantou_2014["bureau"]
    item = _draw(bureau).items.order_by("pk").first()
    inspection_finding_record(
        actor=bureau.assignment.user,
        active=bureau,
        item_id=item.pk,
        result=ItemResult.PROBLEM,
        finding="未按备案内容开班",
    )
    for kind in (SanctionKind.FILING_SUSPENDED, SanctionKind.CRITICISM):
        sanction_apply(
            actor=bureau.assignment.user,
            active=bureau,
            item_id=item.pk,
            kind=kind,
            reason="未按备案内容开班，予以通报批评",
        )
    provider = ClassPlan.objects.get(pk=item.target_id).provider
    provider.refresh_from_db()
    assert provider.filing_status == ProviderFilingStatus.SUSPENDED
    page = Client().get(reverse("inspections:notices")).content.decode()
    assert provider.name in page
    assert "未按备案内容开班，予以通报批评" in page


def test_another_region_neither_sees_nor_acts(shantou_2014: dict[str, Any]) -> None:
    inspection = _draw(shantou_2014["bureau"])
    item = inspection.items.first()
    luojiang = grant(UserFactory(), Role.BUREAU_STAFF, region_id="350504")
    with pytest.raises(ServiceError, match="不在您的管辖范围内"):
        inspection_finding_record(
            actor=luojiang.assignment.user,
            active=luojiang,
            item_id=item.pk,
            result=ItemResult.PASSED,
            finding="",
        )
    client = Client()
    client.force_login(luojiang.assignment.user)
    assert client.get(reverse("inspections:detail", args=[inspection.pk])).status_code == 404
    with pytest.raises(ServiceError, match="没有可抽查的培训班"):
        inspection_draw(
            actor=luojiang.assignment.user,
            active=luojiang,
            year=2014,
            kind="classes",
            share=Decimal(5),
            stratify="provider",
        )


def test_the_pages_draw_record_and_sanction_with_confirmation(
    shantou_2014: dict[str, Any],
) -> None:
    bureau = shantou_2014["bureau"]
    client = Client()
    client.force_login(bureau.assignment.user)
    response = client.post(
        reverse("inspections:index"),
        {"year": 2014, "kind": "classes", "share": "5", "stratify": "provider", "seed": "页面"},
        follow=True,
    )
    text = response.content.decode()
    assert "已抽取 2 个对象（总体 30，随机种子 页面）" in text  # 1 of 20, 1 of 10
    inspection = Inspection.objects.get()
    item = inspection.items.order_by("pk").first()
    client.post(
        reverse("inspections:finding", args=[item.pk]),
        {"result": "problem", "finding": "学时不实"},
    )
    unconfirmed = client.post(
        reverse("inspections:sanction", args=[item.pk]),
        {"kind": "criticism", "reason": "通报"},
        follow=True,
    )
    assert "必填" in unconfirmed.content.decode()
    assert not Sanction.objects.exists()
    done = client.post(
        reverse("inspections:sanction", args=[item.pk]),
        {"kind": "criticism", "reason": "通报", "confirm": "on"},
        follow=True,
    )
    assert "已作出处理：通报批评" in done.content.decode()
    assert Sanction.objects.get().published
