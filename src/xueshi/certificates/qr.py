"""QR codes for certificates: segno's symbol, computed with NumPy for a fixed version and mask.

segno chooses and builds a symbol in pure Python: ~4 ms to evaluate the eight masks, and
still ~5 ms a code for a version-18 address with mask and version fixed (bench/pdf.py) — half
of a certificate page's time. For a fixed version, level M, byte mode and mask 3, everything
but the data is the same from one code to the next, so it is made once per version: the
function patterns, format and version information (taken from segno's own symbol), the
order in which the codeword bits fill the symbol and the interleaving of the blocks. A code
is then its codewords, the Reed–Solomon error correction of its blocks (GF(256), all blocks at
once) and one scatter of its bits. The result is segno's matrix bit for bit (tests compare
the two over many versions and payloads); what this module does not handle (data beyond the
version, other than ISO-8859-1 text) is left to segno.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import segno
from segno import consts

ERROR = "m"
MASK = 3  # ISO/IEC 18004 mask pattern 011: (row + column) mod 3 == 0
_LEVEL = consts.ERROR_LEVEL_M

# --- GF(256), primitive polynomial x^8 + x^4 + x^3 + x^2 + 1 --------------------------------

_EXP = np.zeros(512, dtype=np.int64)
_LOG = np.zeros(256, dtype=np.int64)
_value = 1
for _power in range(255):
    _EXP[_power] = _value
    _LOG[_value] = _power
    _value <<= 1
    if _value & 0x100:
        _value ^= 0x11D
_EXP[255:510] = _EXP[:255]
_a, _b = np.meshgrid(np.arange(256), np.arange(256), indexing="ij")
# _MUL[a, b] = a·b in GF(256)
_MUL = np.where((_a == 0) | (_b == 0), 0, _EXP[(_LOG[_a] + _LOG[_b]) % 255]).astype(np.uint8)


@lru_cache(maxsize=64)
def _generator(degree: int) -> np.ndarray:
    """The coefficients after the leading 1 of prod(x - a^i, i < degree), highest first."""
    poly = [1]
    for i in range(degree):
        root = int(_EXP[i])
        out = [0] * (len(poly) + 1)
        for j, coefficient in enumerate(poly):
            out[j] ^= coefficient
            out[j + 1] ^= int(_MUL[coefficient, root])
        poly = out
    return np.array(poly[1:], dtype=np.int64)


def _error_correction(blocks: np.ndarray, degree: int) -> np.ndarray:
    """The Reed–Solomon remainders of equally long data blocks (rows), all at once."""
    generator = _generator(degree)
    remainder = np.zeros((blocks.shape[0], degree), dtype=np.uint8)
    for column in range(blocks.shape[1]):
        factor = blocks[:, column] ^ remainder[:, 0]
        remainder[:, :-1] = remainder[:, 1:]
        remainder[:, -1] = 0
        remainder ^= _MUL[factor][:, generator]
    return remainder


# --- what a version's symbols share -----------------------------------------------------------


@dataclass(frozen=True)
class _Layout:
    version: int
    size: int
    template: np.ndarray  # function patterns, format and version info; data modules 0
    rows: np.ndarray  # the module of each data bit, in placement order
    columns: np.ndarray
    mask: np.ndarray  # the mask's value at each of those modules
    groups: tuple[tuple[int, int], ...]  # (blocks, data codewords per block)
    ecc_per_block: int
    data_codewords: int
    order: np.ndarray  # interleaving: positions in [data blocks…, ecc blocks…]


def _function_modules(version: int) -> np.ndarray:
    size = 17 + 4 * version
    function = np.zeros((size, size), dtype=bool)
    function[:9, :9] = True  # finder, separator, format information
    function[:9, size - 8 :] = True
    function[size - 8 :, :9] = True
    finders = function.copy()
    function[6, :] = True  # timing
    function[:, 6] = True
    centres = consts.ALIGNMENT_POS[version - 2] if version > 1 else ()
    for row in centres:
        for column in centres:
            if not finders[row, column]:  # none where a finder pattern is
                function[row - 2 : row + 3, column - 2 : column + 3] = True
    if version >= 7:  # version information
        function[:6, size - 11 : size - 8] = True
        function[size - 11 : size - 8, :6] = True
    return function


def _placement(function: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Modules in the order codeword bits fill them: two columns at a time from the right,
    up then down, skipping the vertical timing pattern."""
    size = function.shape[0]
    rows, columns = [], []
    upward = True
    right = size - 1
    while right > 0:
        if right == 6:
            right -= 1
        order = range(size - 1, -1, -1) if upward else range(size)
        for row in order:
            for column in (right, right - 1):
                if not function[row, column]:
                    rows.append(row)
                    columns.append(column)
        upward = not upward
        right -= 2
    return np.array(rows, dtype=np.intp), np.array(columns, dtype=np.intp)


@lru_cache(maxsize=40)
def _layout(version: int) -> _Layout:
    function = _function_modules(version)
    reference = segno.make(
        "", error=ERROR, version=version, mode="byte", mask=MASK, micro=False, boost_error=False
    )
    template = np.array([list(row) for row in reference.matrix], dtype=np.uint8) * function
    rows, columns = _placement(function)
    ecc_table: Any = consts.ECC
    blocks_table = ecc_table[version][_LEVEL]  # (num_blocks, num_total, num_data) per group
    groups = tuple((int(ec.num_blocks), int(ec.num_data)) for ec in blocks_table)
    ecc_per_block = int(blocks_table[0].num_total - blocks_table[0].num_data)
    # Interleaving: the i-th data codeword of every block in turn, then the i-th ECC word.
    starts, lengths, start = [], [], 0
    for count, length in groups:
        for _ in range(count):
            starts.append(start)
            lengths.append(length)
            start += length
    data_codewords = start
    order = [
        s + i for i in range(max(lengths)) for s, n in zip(starts, lengths, strict=True) if i < n
    ]
    blocks = len(starts)
    order += [
        data_codewords + b * ecc_per_block + i for i in range(ecc_per_block) for b in range(blocks)
    ]
    mask = ((rows + columns) % 3 == 0).astype(np.uint8)
    return _Layout(
        version=version,
        size=function.shape[0],
        template=template.astype(np.uint8),
        rows=rows,
        columns=columns,
        mask=mask,
        groups=groups,
        ecc_per_block=ecc_per_block,
        data_codewords=data_codewords,
        order=np.array(order, dtype=np.intp),
    )


ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_ALPHANUMERIC_VALUE = {ch: i for i, ch in enumerate(ALPHANUMERIC)}


def is_alphanumeric(text: str) -> bool:
    """Whether ``text`` fits the QR alphanumeric mode (5.5 bits a character, not 8)."""
    return all(ch in _ALPHANUMERIC_VALUE for ch in text)


def _alphanumeric_bits(text: str, version: int) -> tuple[int, int]:
    """Mode 0010, the count (9, 11 or 13 bits), then pairs of characters in 11 bits and a
    last single one in 6 (ISO/IEC 18004 7.4.4): the bits as an integer, and their number."""
    count_bits = 9 if version < 10 else 11 if version < 27 else 13
    value, length = 0b0010 << count_bits | len(text), 4 + count_bits
    for i in range(0, len(text) - 1, 2):
        pair = _ALPHANUMERIC_VALUE[text[i]] * 45 + _ALPHANUMERIC_VALUE[text[i + 1]]
        value, length = value << 11 | pair, length + 11
    if len(text) % 2:
        value, length = value << 6 | _ALPHANUMERIC_VALUE[text[-1]], length + 6
    return value, length


def _codewords(data: bytes, layout: _Layout, *, alphanumeric: bool = False) -> np.ndarray | None:
    """Byte (or alphanumeric) mode: mode, count, data, terminator, padding. None if the data
    do not fit."""
    count_bits = 8 if layout.version < 10 else 16
    capacity = layout.data_codewords * 8
    if alphanumeric:
        value, length = _alphanumeric_bits(data.decode("ascii"), layout.version)
    else:
        length = 4 + count_bits + 8 * len(data)
        value = (0b0100 << count_bits | len(data)) << 8 * len(data) | int.from_bytes(data, "big")
    if length > capacity:
        return None
    terminator = min(4, capacity - length)
    length += terminator
    value <<= terminator
    # As segno does: a stream that ends on a codeword boundary still gets 8 zero bits (a
    # 0x00 codeword, read by no decoder: it follows the terminator).
    padding = 8 - length % 8
    if length + padding > capacity:
        return None  # a full symbol: left to segno
    value <<= padding
    length += padding
    body = value.to_bytes(length // 8, "big")
    fill = (b"\xec\x11" * layout.data_codewords)[: layout.data_codewords - len(body)]
    return np.frombuffer(body + fill, dtype=np.uint8)


def qr_modules(text: str, version: int, mode: str = "byte") -> np.ndarray | None:
    """The modules (1 dark) of ``text`` as a QR code of ``version``, level M, mask 3, in
    ``mode`` ("byte" or "alphanumeric") — segno's symbol — or None when it cannot be made
    here (too long, not ISO-8859-1, not alphanumeric)."""
    alphanumeric = mode == "alphanumeric"
    if alphanumeric and not is_alphanumeric(text):
        return None
    try:
        data = text.encode("iso-8859-1")
    except UnicodeEncodeError:
        return None
    layout = _layout(version)
    codewords = _codewords(data, layout, alphanumeric=alphanumeric)
    if codewords is None:
        return None
    parts, ecc_parts, start = [], [], 0
    for count, length in layout.groups:
        blocks = codewords[start : start + count * length].reshape(count, length)
        parts.append(blocks.ravel())
        ecc_parts.append(_error_correction(blocks, layout.ecc_per_block).ravel())
        start += count * length
    stream = np.concatenate([*parts, *ecc_parts])[layout.order]
    bits = np.zeros(len(layout.rows), dtype=np.uint8)  # remainder bits stay 0
    bits[: stream.size * 8] = np.unpackbits(stream)
    matrix = layout.template.copy()
    matrix[layout.rows, layout.columns] = bits ^ layout.mask
    return matrix


def qr_version(length: int, mode: str = "byte") -> int:
    """The smallest version (level M) that holds ``length`` characters in ``mode``."""
    return _version(length, mode)


@lru_cache(maxsize=256)
def _version(length: int, mode: str) -> int:
    sample = ("A" if mode == "alphanumeric" else "a") * length
    return int(segno.make(sample, error=ERROR, mode=mode, micro=False).version)


def qr_mode(text: str) -> str:
    """The densest mode of the two this module makes that holds ``text``."""
    return "alphanumeric" if text and is_alphanumeric(text) else "byte"


def qr_matrix(text: str, version: int | None = None) -> np.ndarray:
    """The modules of ``text`` (1 dark), without the quiet zone: in alphanumeric mode where
    the text allows it (a certificate's upper-case address), byte mode otherwise; at
    ``version`` (the text's own if None) with the mask fixed; segno makes what this module
    does not."""
    mode = qr_mode(text)
    version = version or qr_version(len(text.encode()), mode)
    matrix = qr_modules(text, version, mode)
    if matrix is not None:
        return matrix
    try:
        qr = segno.make(
            text,
            error=ERROR,
            version=version,
            mode=mode,
            mask=MASK,
            micro=False,
            boost_error=False,
        )
    except segno.DataOverflowError:
        qr = segno.make(text, error=ERROR, mask=MASK, micro=False, boost_error=False)
    return np.array([list(row) for row in qr.matrix], dtype=np.uint8)
