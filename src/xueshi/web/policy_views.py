"""政策查询与自查: what a region requires in a year, with its clauses, and a self-check.

Public information: every page here reads the published policy and writes nothing.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from xueshi.accounts.access import public
from xueshi.choices import choices_of
from xueshi.policy_store import current_policy
from xueshi.rules import (
    Category,
    DeadlineRule,
    InstitutionLevel,
    Mode,
    Person,
    PolicyError,
    Record,
    RuleNotSet,
    TitleLevel,
    deadline,
    evaluate,
    review_chain,
)
from xueshi.rules.periods import assessment_date
from xueshi.rules.policy import Policy
from xueshi.rules.terms import SERIES_LABELS
from xueshi.rules.verdict import UNIT_LABELS, fmt


def _hours_field(label: str) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        min_value=Decimal(0),
        max_value=Decimal(9999),
        max_digits=6,
        decimal_places=1,
        error_messages={
            "min_value": "不能为负数。",
            "max_value": "不能超过 9999。",
            "invalid": "请输入数字。",
            "max_decimal_places": "最多保留一位小数。",
        },
    )


class PolicyQueryForm(forms.Form):
    region = forms.ChoiceField(label="地区")
    year = forms.IntegerField(
        label="年度",
        min_value=2010,
        max_value=2030,
        error_messages={
            "min_value": "年度不能早于 2010 年。",
            "max_value": "年度不能晚于 2030 年。",
            "invalid": "请输入四位年份。",
            "required": "请填写年度。",
        },
    )
    series = forms.ChoiceField(
        label="专业技术系列", choices=[(k, v) for k, v in SERIES_LABELS.items()]
    )
    title_level = forms.ChoiceField(label="职称级别", choices=choices_of(TitleLevel))
    institution_level = forms.ChoiceField(
        label="医疗卫生机构级别（卫生系列）",
        required=False,
        choices=[("", "—"), *choices_of(InstitutionLevel)],
    )
    public = _hours_field("公需科目学时")
    public_required = _hours_field("其中必修学时")
    professional = _hours_field("专业科目学时")
    elective = _hours_field("选修科目学时")
    credits_face = _hours_field("面授学分")
    credits_remote = _hours_field("远程学分")

    def __init__(self, *args: Any, policy: Policy, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        region_field = self.fields["region"]
        assert isinstance(region_field, forms.ChoiceField)
        region_field.choices = [
            (code, ("　" * _depth(policy, code)) + f"{region.name}（{code}）")
            for code, region in sorted(
                policy.regions.items(), key=lambda i: _sort_key(policy, i[0])
            )
        ]
        region_field.error_messages["invalid_choice"] = "请选择列表中的地区。"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        public, required = data.get("public"), data.get("public_required")
        if required is not None and (public or 0) < required:
            self.add_error("public_required", "必修学时不能多于公需科目学时。")
        return data

    def person(self) -> Person:
        data = self.cleaned_data
        return Person(
            title_level=TitleLevel(data["title_level"]),
            series=data["series"],
            institution_level=InstitutionLevel(data["institution_level"])
            if data.get("institution_level")
            else None,
        )

    def records(self) -> list[Record] | None:
        """Records built from the self-check figures, or None if none was entered."""
        data = self.cleaned_data
        keys = (
            "public",
            "public_required",
            "professional",
            "elective",
            "credits_face",
            "credits_remote",
        )
        if all(data.get(k) is None for k in keys):
            return None
        year = data["year"]
        records = []
        required = data.get("public_required") or Decimal(0)
        if required:
            records.append(Record(year, Category.PUBLIC, hours=required, required=True))
        if (data.get("public") or 0) - required > 0:
            records.append(Record(year, Category.PUBLIC, hours=data["public"] - required))
        for key, category in (
            ("professional", Category.PROFESSIONAL),
            ("elective", Category.ELECTIVE),
        ):
            if data.get(key):
                records.append(Record(year, category, hours=data[key]))
        if data.get("credits_face"):
            records.append(Record(year, credits=data["credits_face"]))
        if data.get("credits_remote"):
            records.append(Record(year, credits=data["credits_remote"], mode=Mode.ONLINE))
        return records


def _depth(policy: Policy, code: str) -> int:
    return len(policy.chain(code)) - 1


def _sort_key(policy: Policy, code: str) -> list[str]:
    return [r.code for r in reversed(policy.chain(code))]


@public
@require_GET
def policy_lookup(request: HttpRequest) -> HttpResponse:
    policy = current_policy()
    initial = {
        "region": "440500",
        "year": 2014,
        "series": "engineering",
        "title_level": "intermediate",
    }
    form = PolicyQueryForm(request.GET or None, initial=initial, policy=policy)
    context: dict[str, Any] = {"form": form, "policy": policy}
    if form.is_bound and form.is_valid():
        context.update(_lookup(policy, form))
    return render(request, "web/policy_lookup.html", context)


def _lookup(policy: Policy, form: PolicyQueryForm) -> dict[str, Any]:
    data = form.cleaned_data
    region, year, person = data["region"], data["year"], form.person()
    result: dict[str, Any] = {
        "region": policy.region(region),
        "chain": list(reversed(policy.chain(region))),
        "year": year,
        "policy_version": policy.version,
    }
    records = form.records() or []
    try:
        verdict = evaluate(policy, region=region, year=year, person=person, records=records)
    except PolicyError as exc:
        result["error"] = str(exc)
    else:
        result["verdict"] = verdict
        result["self_check"] = form.records() is not None
        result["rows"] = [
            {
                "title": r.requirement.title,
                "required": fmt(r.requirement.required),
                "counted": fmt(r.counted),
                "gap": fmt(r.gap),
                "met": r.met,
                "unit": UNIT_LABELS.get(r.requirement.unit, r.requirement.unit),
                "region": policy.region(r.requirement.region).name,
                "reference": r.requirement.reference,
            }
            for r in verdict.results
        ]
    day = assessment_date(year)
    result["chains"] = [
        chain
        for category in Category
        if (chain := review_chain(policy, region=region, category=category, day=day, person=person))
        is not None
    ]
    deadlines = []
    for rule in DeadlineRule:
        if rule.yearly:
            try:
                deadlines.append(deadline(policy, rule, region, year=year))
            except RuleNotSet:
                continue
    result["deadlines"] = deadlines
    return result
