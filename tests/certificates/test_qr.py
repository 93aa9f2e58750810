"""The certificates' QR encoder: segno's symbol bit for bit, drawn as rectangles that cover
exactly its dark modules, and readable."""

from __future__ import annotations

import numpy as np
import pytest
import segno
import zxingcpp
from hypothesis import given, settings
from hypothesis import strategies as st

from xueshi.certificates.pdf import qr_rectangles
from xueshi.certificates.qr import qr_matrix, qr_modules, qr_version

URL_TEXT = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:/?=%é",
    max_size=900,
)


def _segno(text: str, version: int | None) -> np.ndarray:
    qr = segno.make(
        text, error="m", version=version, mode="byte", mask=3, micro=False, boost_error=False
    )
    return np.array([list(row) for row in qr.matrix], dtype=np.uint8)


@settings(max_examples=80, deadline=None)
@given(text=URL_TEXT, extra=st.integers(min_value=0, max_value=3))
def test_the_symbol_is_segnos_for_the_same_version_and_mask(text: str, extra: int) -> None:
    version = min(40, qr_version(len(text.encode("latin-1"))) + extra)
    ours = qr_modules(text, version)
    if ours is None:  # a symbol filled to the last bit is left to segno
        return
    assert np.array_equal(ours, _segno(text, version))


@pytest.mark.parametrize("version", [1, 2, 6, 7, 10, 14, 18, 27, 40])
def test_every_version_with_a_typical_address(version: int) -> None:
    text = "https://xueshi.example.cn/certificates/verify/?c=XS1.k20261121.eyJubyI6IjQ0"
    text = text[: version * 12]
    assert np.array_equal(qr_modules(text, version), _segno(text, version))


def test_text_beyond_iso_8859_1_is_made_by_segno() -> None:
    text = "https://example.cn/核验?c=XS1"
    assert qr_modules(text, 5) is None
    assert np.array_equal(qr_matrix(text, 5), _segno(text, 5))


def test_too_long_for_the_version_takes_the_version_it_needs() -> None:
    text = "x" * 300
    matrix = qr_matrix(text, 2)
    assert matrix.shape == (17 + 4 * qr_version(300),) * 2


def test_the_rectangles_cover_exactly_the_dark_modules() -> None:
    matrix = qr_matrix("https://xueshi.example.cn/certificates/verify/?c=" + "Ab9_-" * 80)
    covered = np.zeros_like(matrix, dtype=np.int64)
    for column, row, width, height in qr_rectangles(matrix):
        covered[row : row + height, column : column + width] += 1
    assert np.array_equal(covered, matrix)  # every dark module once, no light one


def test_the_code_reads_back() -> None:
    text = "https://xueshi.example.cn/certificates/verify/?c=XS1.k20261121." + "Qz-_" * 110
    matrix = qr_matrix(text, qr_version(len(text)))
    image = np.pad(1 - matrix, 4, constant_values=1).astype(np.uint8) * 255
    image = np.kron(image, np.ones((4, 4), dtype=np.uint8))
    result = zxingcpp.read_barcode(image)
    assert result is not None
    assert result.text == text
