"""Certificate PDFs: Chinese text with the font embedded, and a QR code that verifies."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from xueshi.certificates.offline import (
    SIGNED_ONLY,
    check,
    main,
    payload_from_text,
    qr_texts_from_pdf,
)
from xueshi.certificates.pdf import CertificateSheet, HoursLine, cjk_font, render
from xueshi.certificates.signing import KeyRing, PayloadInvalid, sign

CONTENT = {
    "no": "341882-2020-000007",
    "nm": "李四",
    "id": "3418**********5678",
    "y": 2020,
    "rg": "341882",
    "rn": "广德市",
    "h": {"public": "30", "professional": "60", "total": "90"},
    "ok": True,
    "iss": "广德市人力资源和社会保障局",
    "dt": "2020-09-15",
    "pv": "sha256:test",
}


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("keys")
    KeyRing().generate("k20261121", directory)
    return directory


def _sheet(payload: str) -> CertificateSheet:
    return CertificateSheet(
        number=CONTENT["no"],
        name="李四",
        masked_id=CONTENT["id"],
        year_label="2020 年度",
        employer="广德市第一中学",
        region="安徽省 宣城市 广德市",
        issuer=CONTENT["iss"],
        issued_on=CONTENT["dt"],
        lines=[
            HoursLine("公需科目", "30 学时"),
            HoursLine("专业科目", "60 学时"),
            HoursLine("合计", "90 学时"),
        ],
        verdict="已完成 2020 年度继续教育任务",
        stamp="尚未验证盖章",
        verify_url=f"http://127.0.0.1:8000/certificates/verify/?c={payload}",
        verify_site="127.0.0.1:8000/certificates/verify/",
        policy_version="sha256:test",
    )


@pytest.fixture(scope="module")
def pdf(keys: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    payload = sign(CONTENT, KeyRing.load(keys))
    path = tmp_path_factory.mktemp("pdf") / "certificate.pdf"
    path.write_bytes(render([_sheet(payload), _sheet(payload)]))
    return path


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")
def test_the_pdf_text_holds_the_name_and_the_hours(pdf: Path) -> None:
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "李四" in text
    assert "60 学时" in text
    assert "专业技术人员继续教育证书" in text


@pytest.mark.skipif(not shutil.which("pdffonts"), reason="poppler-utils not installed")
def test_the_chinese_font_is_embedded(pdf: Path) -> None:
    assert cjk_font().embedded, "install fonts-wqy-zenhei"
    fonts = subprocess.run(
        ["pdffonts", str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    cjk = [line for line in fonts.splitlines() if "WenQuanYi" in line or "UMing" in line]
    assert cjk
    assert all(" yes yes " in line for line in cjk)


def test_the_qr_decoded_from_the_rendered_page_verifies(pdf: Path, keys: Path) -> None:
    texts = qr_texts_from_pdf(pdf)
    assert len(texts) == 2
    results = check(str(pdf), KeyRing.load(keys))
    assert [r.content["nm"] for r in results] == ["李四", "李四"]


@pytest.mark.skipif(
    not (shutil.which("zbarimg") and shutil.which("pdftoppm")),
    reason="zbar-tools or poppler-utils not installed",
)
def test_zbarimg_reads_the_same_qr(pdf: Path, tmp_path: Path) -> None:
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
        check=True,
    )
    page = next(tmp_path.glob("page*.png"))
    out = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(page)], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert payload_from_text(out).startswith("XS1.k20261121.")


def test_cli_says_a_signature_cannot_tell_a_revocation(
    pdf: Path, keys: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Exit 3 for a valid signature without a revocation list (not 0: a revoked certificate
    keeps its signature), 1 for anything not validly signed."""
    assert main([str(pdf), "--keys", str(keys)]) == SIGNED_ONLY
    out = capsys.readouterr().out
    assert "签名有效——是否撤销只能在线核验：证书 341882-2020-000007" in out
    assert "有效：" not in out.replace("签名有效", "")
    payload = sign(CONTENT, KeyRing.load(keys))
    assert main([payload, "--keys", str(keys)]) == SIGNED_ONLY
    assert main([payload[:-3] + "AAA", "--keys", str(keys)]) == 1
    assert "无效" in capsys.readouterr().err
    assert main(["not a payload", "--keys", str(keys)]) == 1
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 truncated")
    assert main([str(broken), "--keys", str(keys)]) == 1
    other = tmp_path / "other-keys"
    KeyRing().generate("k20990101", other)
    assert main([str(pdf), "--keys", str(other)]) == 1


def test_an_empty_batch_is_an_error() -> None:
    with pytest.raises(ValueError, match="no certificate"):
        render([])


def test_a_url_without_payload_is_refused() -> None:
    with pytest.raises(PayloadInvalid, match="不含证书内容"):
        payload_from_text("http://example.com/certificates/verify/")


def test_the_xueshi_command_verifies_offline(pdf: Path, keys: Path) -> None:
    """`xueshi certificate verify FILE` exits 3 for a valid PDF (signature valid, revocation
    unknown offline) and 1 for a forged payload."""
    from xueshi.cli import main as xueshi

    assert xueshi(["certificate", "verify", str(pdf), "--keys", str(keys)]) == SIGNED_ONLY
    assert xueshi(["certificate", "verify", "XS1.k20261121.e30.AAAA", "--keys", str(keys)]) == 1
    assert xueshi(["certificate"]) == 2
