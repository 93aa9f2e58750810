"""A declaration that names a filed class, compared with the class, the provider's roster
and the provider's proof (Shantou 2014 §四(四), §五(一)2): what agrees, what differs.

The result is kept on the record (``class_match``) for its reviewers; a difference is also a
flag (``FlagKind.CLASS_MISMATCH``), so a mismatched record is never approved in bulk and is
approved one by one only once a reviewer has cleared the flag with a comment
(``records.services.integrity``). A proof of someone else, of another class, or no longer in
effect is refused outright: it is no evidence of this declaration.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from xueshi.errors import ServiceError
from xueshi.people.models import Professional
from xueshi.records.class_catalogue import FiledClass, ProofFacts, ProofUnreadable, catalogue
from xueshi.rules import Category
from xueshi.rules.integrity import Finding, FlagKind, normalised_title
from xueshi.rules.verdict import fmt

MATCHED, DIFFERS = "matched", "differs"


@dataclass(frozen=True, slots=True)
class Declared:
    category: str
    start_date: dt.date
    end_date: dt.date
    hours: Decimal


def _category(value: str) -> str:
    try:
        return Category(value).label
    except ValueError:
        return value or "—"


def _span(start: dt.date, end: dt.date) -> str:
    return f"{start:%Y-%m-%d}—{end:%Y-%m-%d}"


def _differences(declared: Declared, facts: Declared, what: str) -> list[str]:
    """How the declaration differs from a class or a proof (``what`` names it)."""
    out = []
    if declared.category != facts.category:
        out.append(
            f"科目类别：申报为{_category(declared.category)}，{what}为{_category(facts.category)}"
        )
    if declared.hours != facts.hours:
        gap = declared.hours - facts.hours
        more = "多" if gap > 0 else "少"
        out.append(
            f"学时：申报 {fmt(declared.hours)} 学时，{what} {fmt(facts.hours)} 学时"
            f"（{more} {fmt(abs(gap))} 学时）"
        )
    if (declared.start_date, declared.end_date) != (facts.start_date, facts.end_date):
        out.append(
            f"培训时间：申报 {_span(declared.start_date, declared.end_date)}，"
            f"{what} {_span(facts.start_date, facts.end_date)}"
        )
    return out


def filed_class_or_refuse(professional: Professional, class_plan_id: int) -> FiledClass:
    found = catalogue()
    filed = (
        found.filed_class(professional=professional, class_plan_id=class_plan_id)
        if found is not None
        else None
    )
    if filed is None:
        raise ServiceError("所选培训班不存在，或不是本地区已备案核准的培训班。", field="class_plan")
    return filed


def proof_or_refuse(professional: Professional, text: str, filed: FiledClass) -> ProofFacts:
    """The proof named by its QR text, read again (its signature checked), and refused when
    it is not this person's proof of this class in effect."""
    found = catalogue()
    if found is None:
        raise ServiceError("本系统未启用继续教育证明核验。", field="proof_file")
    try:
        proof = found.proof_read(text=text)
    except ProofUnreadable as exc:
        raise ServiceError(str(exc), field="proof_file") from None
    if proof.professional_id != professional.pk:
        raise ServiceError(
            f"该证明是{proof.holder_name}的，不是{professional.full_name}本人的，不能用于申报。",
            field="proof_file",
        )
    if not proof.in_effect:
        raise ServiceError(
            f"证明 {proof.number} {proof.state}，不能作为申报依据；请向施教机构索取有效的证明。",
            field="proof_file",
        )
    if proof.filed_class.class_plan_id != filed.class_plan_id:
        raise ServiceError(
            f"证明 {proof.number} 是“{proof.filed_class.title}”的，与所选培训班不符。",
            field="proof_file",
        )
    return proof


def proof_kept(proof: ProofFacts) -> dict[str, Any]:
    """What the record keeps of the proof it was filled from (to compare a correction)."""
    return {
        "number": proof.number,
        "category": proof.category,
        "start_date": proof.start_date.isoformat(),
        "end_date": proof.end_date.isoformat(),
        "hours": str(proof.hours),
        "passed": proof.passed,
        "state": proof.state,
    }


def class_match(
    *, declared: Declared, filed: FiledClass, on_roster: bool, proof: dict[str, Any] | None
) -> tuple[dict[str, Any], list[Finding]]:
    """The record's ``class_match`` and, if anything differs, its flag. ``proof``: the
    proof as the record keeps it (``proof_kept``), or None."""
    differences = _differences(
        declared,
        Declared(filed.category, filed.start_date, filed.end_date, filed.hours),
        "备案",
    )
    checks = [["培训班", f"已备案核准（{filed.filing_number}）：{filed.label}"]]
    if on_roster:
        checks.append(["名册", "施教机构已登记该学员考核合格"])
    else:
        differences.append("名册：施教机构未登记该学员考核合格")
    if proof is None:
        differences.append("证明：未上传施教机构出具的继续教育证明")
    else:
        proof_facts = Declared(
            str(proof["category"]),
            dt.date.fromisoformat(proof["start_date"]),
            dt.date.fromisoformat(proof["end_date"]),
            Decimal(proof["hours"]),
        )
        for text in _differences(declared, proof_facts, "证明"):
            if text not in differences:
                differences.append(text)
        if not proof["passed"]:
            differences.append("证明：考核结果不是合格")
        checks.append(["证明", f"{proof['number']}，签名有效，{proof['state']}，考核合格"])
    match = {
        "status": DIFFERS if differences else MATCHED,
        "class_plan": filed.class_plan_id,
        "filing_number": filed.filing_number,
        "proof": proof,
        "checks": checks,
        "differences": differences,
    }
    findings = []
    if differences:
        findings.append(
            Finding(
                kind=FlagKind.CLASS_MISMATCH,
                message=f"与备案培训班“{filed.title}”不符：" + "；".join(differences) + "。",
            )
        )
    return match, findings


def class_match_again(
    *, professional: Professional, class_plan_id: int, kept: dict[str, Any], declared: Declared
) -> tuple[dict[str, Any], list[Finding]]:
    """A corrected record's comparison, against the class and roster as they are now and the
    proof it was filled from."""
    filed = filed_class_or_refuse(professional, class_plan_id)
    found = catalogue()
    assert found is not None
    on_roster = found.on_roster(class_plan_id=class_plan_id, professional_id=professional.pk)
    return class_match(
        declared=declared, filed=filed, on_roster=on_roster, proof=kept.get("proof") or None
    )


def free_text_covered(professional: Professional, year: int, title: str) -> FiledClass | None:
    """A filed class of the year with the same title as free text typed for a declaration:
    free text is for what no filed class covers (papers, conferences…)."""
    found = catalogue()
    if found is None or not title.strip():
        return None
    wanted = normalised_title(title)
    for filed in found.classes_offered(professional=professional, year=year, query="", limit=500):
        if normalised_title(filed.title) == wanted:
            return filed
    return None
