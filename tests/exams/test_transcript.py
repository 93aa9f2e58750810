"""成绩单: a PDF with the font embedded and a signed QR that the public verification page
answers with the same keys as certificates."""

from __future__ import annotations

import html
import subprocess
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.test import Client

from tests.exams.conftest import World, answers, started
from xueshi.accounts.access import ActiveRole
from xueshi.errors import ServiceError
from xueshi.exams.models import Credit, Transcript
from xueshi.exams.services import attempt_submit, transcript_issue
from xueshi.exams.transcripts import transcript_pdf, transcript_qr_url
from xueshi.records.documents import record_documents
from xueshi.records.models import HourRecord

pytestmark = pytest.mark.django_db


def _passed(world: World) -> tuple[Transcript, ActiveRole]:
    _, me = world.learner()
    attempt, token = started(world, me)
    attempt_submit(attempt_id=attempt.pk, token=token, answers=answers(attempt, 4), active=me)
    return transcript_issue(attempt_id=attempt.pk, active=me), me


def test_a_pass_gets_one_transcript_signed_with_the_certificates_key(guangde: World) -> None:
    transcript, me = _passed(guangde)
    assert transcript.number == f"CJD2020{transcript.attempt_id:08d}"
    again = transcript_issue(attempt_id=transcript.attempt_id, active=me)
    assert again.pk == transcript.pk
    assert transcript.token.split(".")[1] == transcript.number


def test_no_transcript_for_a_fail(guangde: World) -> None:
    _, me = guangde.learner()
    attempt, token = started(guangde, me)
    attempt_submit(attempt_id=attempt.pk, token=token, answers=answers(attempt, 1), active=me)
    with pytest.raises(ServiceError, match="考试合格才能打印"):
        transcript_issue(attempt_id=attempt.pk, active=me)
    assert not Transcript.objects.exists()


def test_the_pdf_embeds_its_font_and_reads_in_chinese(guangde: World, tmp_path: Path) -> None:
    transcript, _ = _passed(guangde)
    data = transcript_pdf(transcript)
    assert data.startswith(b"%PDF")
    assert b"FontFile2" in data  # TrueType outlines embedded
    path = tmp_path / "t.pdf"
    path.write_bytes(data)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    assert "继续教育在线考试成绩单" in text
    assert transcript.number in text
    assert "80 分（合格分数 60 分）" in text
    assert "学时待人社部门验证登记" in text


def test_the_qr_in_the_pdf_is_the_signed_address(guangde: World, tmp_path: Path) -> None:
    transcript, _ = _passed(guangde)
    (tmp_path / "t.pdf").write_bytes(transcript_pdf(transcript))
    subprocess.run(
        ["pdftoppm", "-r", "200", "-png", str(tmp_path / "t.pdf"), str(tmp_path / "p")],
        check=True,
    )
    page = next(tmp_path.glob("p*.png"))
    decoded = subprocess.run(
        ["zbarimg", "--raw", "-q", str(page)], capture_output=True, text=True, check=False
    ).stdout.strip()
    assert decoded == transcript_qr_url(transcript)


def test_the_public_page_verifies_the_qr_and_the_typed_number(guangde: World) -> None:
    transcript, _ = _passed(guangde)
    client = Client()
    page = client.get(f"/V/{transcript.token}").content.decode()
    assert f"成绩单 {transcript.number}" in page
    assert "考试合格" in page
    assert "二维码签名有效" in page
    typed = client.get(
        "/certificates/verify/", {"no": transcript.number, "code": transcript.verification_code}
    ).content.decode()
    assert f"成绩单 {transcript.number}" in typed
    wrong = client.get(
        "/certificates/verify/", {"no": transcript.number, "code": "22222222"}
    ).content.decode()
    assert "考试合格" not in wrong
    assert "证书编号与核验码（或持证人姓名）不符" in wrong


def test_a_tampered_transcript_token_is_refused(guangde: World) -> None:
    transcript, _ = _passed(guangde)
    kid, number, code, signature = transcript.token.split(".")
    other = "".join(c for c in "23456789ABCDEFGH" if c not in code)[:8]
    forged = ".".join((kid, number, other, signature))
    page = Client().get(f"/V/{forged}").content.decode()
    assert "签名校验失败" in page
    assert "考试合格" not in page


def test_the_bureau_reaches_the_transcript_check_from_its_queue_and_the_record(
    guangde: World,
) -> None:
    """Guangde 2020 §三(一): the record a pass entered waits in the bureau's queue with its
    成绩单 — before it is printed, the queue says so; once printed, a link opens the public
    check of that number and holder, and the page answers with the exam's result."""
    person, me = guangde.learner()
    attempt, token = started(guangde, me)
    attempt_submit(attempt_id=attempt.pk, token=token, answers=answers(attempt), active=me)
    record = HourRecord.objects.get(pk=Credit.objects.get(attempt=attempt).record_id)
    bureau = Client()
    bureau.force_login(guangde.bureau.assignment.user)
    queue = bureau.get("/records/review/", {"year": 2020}).content.decode()
    assert f'id="record-{record.pk}"' in queue
    assert "学员尚未打印成绩单" in queue
    transcript = transcript_issue(attempt_id=attempt.pk, active=me)
    check = "/certificates/verify/?" + urlencode(
        {"no": transcript.number, "name": person.full_name}
    )
    for page in ("/records/review/?year=2020", f"/records/{record.pk}/"):
        text = bureau.get(page).content.decode()
        assert f'href="{html.escape(check)}"' in text, page
        assert f"成绩单 {transcript.number}" in text
    verified = bureau.get(check).content.decode()
    assert f"成绩单 {transcript.number}" in verified
    assert "考试合格" in verified
    assert "学时待人社部门验证登记" in verified
    # A record no exam entered shows no transcript.
    assert record_documents([record.pk + 1000]) == {record.pk + 1000: []}
