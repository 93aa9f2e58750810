"""The 成绩单 as the public verification page and the PDF show it (reads only).

A transcript's number starts with ``TRANSCRIPT_PREFIX``; its QR carries the certificates'
signed token (key id, number, verification code, Ed25519 or SM2 signature:
certificates/token.py), so the public page checks it with the same keys and shows it
(registered in ``ExamsConfig.ready``).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from xueshi.certificates.pdf import cjk_font, qr_rectangles
from xueshi.certificates.qr import qr_matrix
from xueshi.certificates.token import token_url
from xueshi.certificates.verification import VerifiedCertificate
from xueshi.exams.models import Credit, Transcript
from xueshi.records.documents import RecordDocument
from xueshi.records.models import HourRecord
from xueshi.rules.verdict import fmt
from xueshi.rules.workflow import RecordState

TRANSCRIPT_PREFIX = "CJD"


def _standing(transcript: Transcript) -> str:
    """Where the hours of the transcript's course stand."""
    credit = Credit.objects.filter(attempt_id=transcript.attempt_id).first()
    if credit is None:
        attempt = transcript.attempt
        return attempt.credit_note or "学时未由系统登记"
    record = HourRecord.objects.filter(pk=credit.record_id).first()
    if record is None:
        return "学时未由系统登记"
    if record.status == RecordState.APPROVED:
        return "学时已登记" + ("（已经人社部门验证）" if record.chain.get("steps") else "")
    if record.status == RecordState.IN_REVIEW:
        return "学时待人社部门验证登记（请持本成绩单办理）"
    return f"学时{record.get_status_display()}"


def _shown(transcript: Transcript) -> VerifiedCertificate:
    attempt = transcript.attempt
    course = attempt.exam.course
    person = attempt.professional
    return VerifiedCertificate(
        kind="成绩单",
        number=transcript.number,
        verdict="考试合格",
        in_effect=True,
        holder_name=person.full_name,
        holder_id_number=person.id_number_masked,
        years_label=f"{course.year} 年度",
        region_name=str(person.region),
        employer_name=str(person.employer or "—"),
        hours=(
            {"label": "课程", "figure": course.title},
            {
                "label": "学时",
                "figure": f"{fmt(course.hours)} 学时（{course.get_category_display()}）",
            },
            {
                "label": "考试成绩",
                "figure": (
                    f"{fmt(attempt.score or Decimal(0))} 分（合格分数 {attempt.pass_mark} 分）"
                ),
            },
        ),
        issuer=f"在线考试（{course.publisher_provider or course.publisher_region or ''}发布课程）",
        issued_on=f"{timezone.localtime(transcript.issued_at):%Y-%m-%d}",
        stamp=_standing(transcript),
        reissued_as="",
        policy_version=attempt.policy_version,
    )


def transcript_shown(number: str) -> tuple[VerifiedCertificate, str] | None:
    """What the public page shows of the transcript of that number, and its code."""
    transcript = (
        Transcript.objects.select_related(
            "attempt",
            "attempt__exam__course__publisher_provider",
            "attempt__exam__course__publisher_region",
            "attempt__professional__region",
            "attempt__professional__employer",
        )
        .filter(number=number)
        .first()
    )
    if transcript is None:
        return None
    return _shown(transcript), transcript.verification_code


def record_transcripts(record_ids: Sequence[int]) -> dict[int, list[RecordDocument]]:
    """The 成绩单 behind each record a passed online exam entered, linked to the public
    verification page with its number and holder (the reviewer compares it with the printed
    one the learner brings): records' pages show it (records.documents), one query."""
    printed = Transcript.objects.filter(attempt_id=OuterRef("attempt_id")).values("number")[:1]
    rows = (
        Credit.objects.filter(record_id__in=record_ids)
        .annotate(number=Subquery(printed))
        .values_list("record_id", "number", "attempt__professional__full_name")
    )
    verify = reverse("certificates:verify")
    found: dict[int, list[RecordDocument]] = {}
    for record_id, number, holder in rows:
        if number:
            url = f"{verify}?{urlencode({'no': number, 'name': holder})}"
            document = RecordDocument("成绩单", number, url, "在线考试合格，核对学员打印的成绩单")
        else:
            document = RecordDocument("成绩单", "", "", "在线考试合格，学员尚未打印成绩单")
        found.setdefault(record_id, []).append(document)
    return found


def transcript_qr_url(transcript: Transcript) -> str:
    return token_url(str(settings.XUESHI_PUBLIC_URL), transcript.token)


def transcript_pdf(transcript: Transcript) -> bytes:
    """The 成绩单 as an A4 PDF: the font embedded, the signed QR, the answers' summary."""
    shown = _shown(transcript)
    attempt = transcript.attempt
    font = cjk_font().name
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, pageCompression=1)
    canvas.setTitle(f"继续教育在线考试成绩单 {transcript.number}")
    width, height = A4
    canvas.setFont(font, 20)
    canvas.drawCentredString(width / 2, height - 30 * mm, "专业技术人员继续教育在线考试成绩单")
    canvas.setFont(font, 10)
    canvas.drawCentredString(
        width / 2,
        height - 38 * mm,
        f"编号：{transcript.number}　　核验码：{transcript.verification_code}",
    )
    rows = [
        ("姓名", shown["holder_name"]),
        ("公民身份号码", shown["holder_id_number"]),
        ("工作单位", shown["employer_name"]),
        ("所在地区", shown["region_name"]),
        ("年度", shown["years_label"]),
        *((line["label"], line["figure"]) for line in shown["hours"]),
        (
            "考试时间",
            f"{timezone.localtime(attempt.submitted_at or attempt.started_at):%Y-%m-%d %H:%M}",
        ),
        ("答对题数", f"{attempt.correct} / {len(attempt.question_ids)}"),
        ("合格分数依据", attempt.pass_mark_reference),
        ("课程发布", shown["issuer"]),
        ("学时登记", shown["stamp"]),
    ]
    y = height - 54 * mm
    for label, value in rows:
        canvas.setFont(font, 11)
        canvas.drawString(25 * mm, y, label)
        text = str(value)
        # Long values (a clause) wrap at ~34 characters a line.
        for start in range(0, max(len(text), 1), 34):
            canvas.drawString(62 * mm, y, text[start : start + 34])
            y -= 7 * mm
        y -= 2 * mm
    size = 42 * mm
    _qr(canvas, transcript_qr_url(transcript), width - 25 * mm - size, 22 * mm, size)
    canvas.setFont(font, 9)
    site = f"{str(settings.XUESHI_PUBLIC_URL).rstrip('/')}{reverse('certificates:verify')}"
    canvas.drawString(25 * mm, 30 * mm, "扫描右侧二维码，或在下列网址输入编号和核验码核验：")
    canvas.drawString(25 * mm, 24 * mm, site)
    canvas.drawString(
        25 * mm, 18 * mm, f"出具日期：{shown['issued_on']}　政策版本：{shown['policy_version']}"
    )
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def _qr(canvas: Canvas, text: str, x: float, y: float, size: float) -> None:
    """The QR of ``text`` in the square of side ``size`` at (x, y) (the certificates' code)."""
    matrix = qr_matrix(text)
    quiet = 4
    module = size / (matrix.shape[0] + 2 * quiet)
    left, top = x + quiet * module, y + size - quiet * module
    path = "\n".join(f"{c} {r} {w} {h} re" for c, r, w, h in qr_rectangles(matrix))
    canvas.addLiteral(f"q 0 g {module:.6f} 0 0 {-module:.6f} {left:.4f} {top:.4f} cm\n{path}\nf Q")
