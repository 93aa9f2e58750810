"""Public verification without harvesting, and certificates that scan (issue 14 item 5,
issue 16 item 5): a random verification code printed beside the number and carried by a
short signed token in the QR (alphanumeric mode, version ≤ 10, level M); a look-up by number
needs the code or the holder's name and is limited per address; the public page does not say
why a certificate was revoked; offline, a signature alone says it cannot tell a revocation,
and a signed revocation list can."""

from __future__ import annotations

import importlib
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
import zxingcpp
from django.apps import apps
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from tests.certificates.test_verify_page import issued_to, revoke
from xueshi.certificates import offline
from xueshi.certificates.keys import keyring
from xueshi.certificates.management.commands.revocations import revocation_list
from xueshi.certificates.models import Certificate
from xueshi.certificates.pdf import FOOTER_WIDTH, render
from xueshi.certificates.qr import qr_matrix, qr_mode
from xueshi.certificates.selectors import certificate_sheet, qr_url
from xueshi.certificates.signing import PayloadInvalid
from xueshi.certificates.token import CODE_ALPHABET, PATH, token_from_text, token_verify
from xueshi.certificates.verification import NOT_MATCHED, TOO_MANY

pytestmark = pytest.mark.django_db

CODE = re.compile(rf"^[{CODE_ALPHABET}]{{8}}$")


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()  # the look-up counter lives in the cache


@pytest.fixture
def certificate() -> Certificate:
    return issued_to("陈一")


@pytest.fixture
def pdf(certificate: Certificate, tmp_path: Path) -> Path:
    path = tmp_path / "certificate.pdf"
    path.write_bytes(render([certificate_sheet(certificate)]))
    return path


def _verify(client: Client, **query: str) -> Any:
    return client.get(reverse("certificates:verify"), query)


# --- the code and the QR ----------------------------------------------------------------------


def test_every_certificate_gets_its_own_random_code(certificate: Certificate) -> None:
    other = issued_to("陈二")
    assert CODE.match(certificate.verification_code)
    assert CODE.match(other.verification_code)
    assert certificate.verification_code != other.verification_code


def test_the_qr_carries_a_short_signed_token_in_alphanumeric_mode(certificate: Certificate) -> None:
    url = qr_url(certificate)
    assert url.startswith(f"HTTP://127.0.0.1:8000{PATH}")
    assert qr_mode(url) == "alphanumeric"
    assert len(url) < 180
    signed = token_verify(token_from_text(url) or "", keyring())
    assert (signed.number, signed.code) == (certificate.number, certificate.verification_code)
    version = (qr_matrix(url).shape[0] - 17) // 4
    assert version <= 10


def test_a_changed_number_or_code_breaks_the_signature(certificate: Certificate) -> None:
    token = token_from_text(qr_url(certificate)) or ""
    kid, number, code, signature = token.split(".")
    other_code = "".join(sorted(code)) if "".join(sorted(code)) != code else code[::-1]
    for forged in (
        f"{kid}.{number[:-1]}9.{code}.{signature}",
        f"{kid}.{number}.{other_code}.{signature}",
    ):
        if forged != token:
            with pytest.raises(PayloadInvalid):
                token_verify(forged, keyring())


def test_zbarimg_and_zxing_read_the_qr_at_150_dpi_version_10_or_less_level_m(
    certificate: Certificate, pdf: Path, tmp_path: Path
) -> None:
    page = pdfium.PdfDocument(str(pdf))[0]
    results = zxingcpp.read_barcodes(page.render(scale=150 / 72).to_pil())
    assert len(results) == 1
    qr = results[0]
    assert qr.text == qr_url(certificate)
    assert int(qr.extra["Version"]) <= 10
    assert qr.extra["ECLevel"] in {"M", "Q", "H"}
    if shutil.which("zbarimg") and shutil.which("pdftoppm"):
        subprocess.run(
            ["pdftoppm", "-r", "150", "-png", str(pdf), str(tmp_path / "page")], check=True
        )
        image = next(tmp_path.glob("page*.png"))
        out = subprocess.run(
            ["zbarimg", "--quiet", "--raw", str(image)], capture_output=True, text=True, check=True
        ).stdout.strip()
        assert out == qr_url(certificate)


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")
def test_the_page_prints_the_code_and_its_footer_ends_before_the_qr(
    certificate: Certificate, pdf: Path
) -> None:
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert f"核验码：{certificate.verification_code}" in text
    assert "输入证书编号和核验码" in text
    assert "/V/" not in text  # the long token is for the QR, not for typing
    boxes = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    footer = [line for line in boxes.splitlines() if "核验码</word>" in line and "输入" in line]
    assert footer
    right = max(float(re.search(r'xMax="([0-9.]+)"', line).group(1)) for line in footer)
    left = 30 * 72 / 25.4  # LEFT, 30 mm
    assert right <= left + FOOTER_WIDTH + 1


# --- the public page ----------------------------------------------------------------------------


def test_a_scan_verifies_in_one_request(certificate: Certificate) -> None:
    url = qr_url(certificate)
    response = Client().get(url[url.index(PATH) :])
    text = response.content.decode()
    assert response.status_code == 200
    assert 'id="verify-result"' in text
    assert "二维码签名有效" in text
    assert "陈一" in text


def test_the_number_with_its_code_or_the_name_finds_it(certificate: Certificate) -> None:
    code = certificate.verification_code
    typed = f"{code[:4].lower()}-{code[4:].lower()}"  # case and a hyphen do not matter
    for query in ({"code": typed}, {"name": "陈 一"}):
        text = _verify(Client(), no=certificate.number, **query).content.decode()
        assert 'id="verify-result"' in text, query


def test_no_anonymous_look_up_succeeds_by_number_alone(certificate: Certificate) -> None:
    """Sequential numbers: the certificate's and its neighbours', with no code, a wrong code
    or a wrong name — nothing is shown, and a wrong guess reads like an unknown number."""
    number = certificate.number
    neighbours = [f"{number[:-6]}{int(number[-6:]) + d:06d}" for d in (-1, 1, 2)]
    client = Client()
    answers = []
    for guess in (number, *neighbours):
        for query in ({}, {"code": "2345ABCD"}, {"name": "张三"}):
            response = _verify(client, no=guess, **query)
            text = response.content.decode()
            assert 'id="verify-result"' not in text, (guess, query)
            assert certificate.professional.full_name not in text
            if query:
                answers.append(text.replace(guess, "N"))
    assert all(NOT_MATCHED in a for a in answers)


def test_typed_look_ups_are_limited_per_address_scans_are_not(
    certificate: Certificate, settings: Any
) -> None:
    settings.XUESHI_VERIFY_LOOKUPS = 3
    code = certificate.verification_code
    here, there = Client(REMOTE_ADDR="198.51.100.7"), Client(REMOTE_ADDR="198.51.100.8")
    for _ in range(3):
        assert _verify(here, no=certificate.number, code="2345ABCD").status_code == 200
    refused = _verify(here, no=certificate.number, code=code)
    assert refused.status_code == 429
    assert TOO_MANY in refused.content.decode()
    assert 'id="verify-result"' not in refused.content.decode()
    # Another address is counted apart; a scan from the limited one still verifies.
    assert 'id="verify-result"' in _verify(there, no=certificate.number, code=code).content.decode()
    url = qr_url(certificate)
    assert here.get(url[url.index(PATH) :]).status_code == 200


def test_the_public_page_does_not_say_why_it_was_revoked(certificate: Certificate) -> None:
    revoke(certificate, "材料造假，已移交调查")
    url = qr_url(certificate)
    text = Client().get(url[url.index(PATH) :]).content.decode()
    assert "已撤销" in text
    assert "材料造假" not in text
    assert "撤销原因" not in text


def test_certificates_issued_before_get_a_code(certificate: Certificate) -> None:
    Certificate.objects.update(verification_code="")
    migration = importlib.import_module(
        "xueshi.certificates.migrations.0005_certificate_verification_code"
    )
    migration.codes_for_existing(apps, None)
    certificate.refresh_from_db()
    assert CODE.match(certificate.verification_code)


# --- offline -------------------------------------------------------------------------------


def test_offline_a_signature_says_it_cannot_tell_a_revocation(
    certificate: Certificate, pdf: Path, settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    keys = str(settings.XUESHI_KEYS_DIR)
    assert offline.main([str(pdf), "--keys", keys]) == offline.SIGNED_ONLY
    out = capsys.readouterr().out
    assert "签名有效——是否撤销只能在线核验" in out
    assert certificate.number in out


def test_offline_with_a_signed_revocation_list(
    certificate: Certificate, pdf: Path, settings: Any, tmp_path: Path
) -> None:
    keys = str(settings.XUESHI_KEYS_DIR)
    listed = tmp_path / "revocations.txt"
    listed.write_text(revocation_list())
    assert offline.main([str(pdf), "--keys", keys, "--revocations", str(listed)]) == offline.VALID
    revoke(certificate, "错发")
    listed.write_text(revocation_list())
    assert offline.main([str(pdf), "--keys", keys, "--revocations", str(listed)]) == offline.REVOKED
    # A list whose signature is altered no longer verifies (a character in the middle:
    # the last one of unpadded base64 carries padding bits, and may decode the same).
    text = listed.read_text()
    kid_body, signature = text.rsplit(".", 1)
    middle = len(signature) // 2
    changed = "B" if signature[middle] == "A" else "A"
    listed.write_text(f"{kid_body}.{signature[:middle]}{changed}{signature[middle + 1 :]}")
    assert (
        offline.main([str(pdf), "--keys", keys, "--revocations", str(listed)]) == offline.BAD_LIST
    )
