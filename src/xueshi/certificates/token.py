"""The certificate's QR: a short signed token in the QR's alphanumeric mode (issue 14 item 5,
issue 16 item 5), and the verification code printed beside the number.

The first QR carried the whole signed content (name, ID, hours: ~400 characters, version
18, hard for a phone to read from paper). The token carries only what finds the certificate
and proves it was issued here: the key id, the number, the verification code and an Ed25519
signature over them, all in upper case so that the whole address fits the alphanumeric mode
(0–9, A–Z, space and $%*+-./:, 5.5 bits a character):

    HTTP://127.0.0.1:8000/V/K20261205.440500201400000001.7KQ3MZ2D.<103 characters of base32>

About 170 characters: version 9 at level M. The page behind it shows the certificate as the
system holds it now (revoked or not); offline, the signature proves the number and the code
were issued by the key's holder — whether the certificate is still in force only the online
page (or a signed revocation list, ``revocations``) can say.

The verification code: 8 characters from 30 that cannot be mistaken for one another (no 0/O,
1/I/L, U), ~39 bits. Looking a certificate up by its number needs it (or the holder's name),
so numbers, which are sequential, cannot be harvested (verification.py).

Pure Python (no Django): the offline verifier uses it too.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature

from xueshi.certificates.signing import KID_PATTERN, KeyRing, PayloadInvalid

PREFIX = "XS2"  # what the signature covers starts with it (never printed)
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 8
PATH = "/V/"  # the short address's path, at the site's root (config/urls.py)
_NUMBER = re.compile(r"^[A-Z0-9-]{1,40}$")
_CODE = re.compile(rf"^[{CODE_ALPHABET}]{{{CODE_LENGTH}}}$")
_SIGNATURE_LENGTH = 103  # 64 bytes in unpadded base32


def code_new() -> str:
    """A fresh verification code."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def code_normalise(text: str) -> str:
    """A code as typed: case, spaces and hyphens do not matter."""
    return re.sub(r"[\s-]", "", text or "").upper()


@dataclass(frozen=True, slots=True)
class Token:
    kid: str
    number: str
    code: str


def _b32encode(data: bytes) -> str:
    return base64.b32encode(data).decode("ascii").rstrip("=")


def _b32decode(text: str) -> bytes:
    """Strict: only the canonical unpadded encoding of 64 bytes."""
    if len(text) != _SIGNATURE_LENGTH or not re.fullmatch(r"[A-Z2-7]+", text):
        raise PayloadInvalid("二维码中的签名已损坏。")
    try:
        data = base64.b32decode(text + "=" * (-len(text) % 8))
    except (binascii.Error, ValueError):
        raise PayloadInvalid("二维码中的签名已损坏。") from None
    if _b32encode(data) != text:
        raise PayloadInvalid("二维码中的签名已损坏（编码不规范）。")
    return data


def token_sign(*, number: str, code: str, ring: KeyRing) -> str:
    """The token of a certificate's number and code, signed by the ring's active key."""
    if ring.active is None:
        raise ValueError("no signing key")
    head = f"{ring.active.upper()}.{number.upper()}.{code}"
    if not _NUMBER.match(number.upper()) or not _CODE.match(code):
        raise ValueError(f"cannot make a token of {head!r}")
    signature = ring.private[ring.active].sign(f"{PREFIX}.{head}".encode("ascii"))
    return f"{head}.{_b32encode(signature)}"


def token_from_text(text: str) -> str | None:
    """The token inside a QR's text (the short address, or the token itself), or None."""
    text = (text or "").strip()
    if "://" in text:
        at = text.upper().rfind(PATH)
        if at < 0:
            return None
        text = text[at + len(PATH) :].split("?", 1)[0].split("#", 1)[0]
    elif text.upper().startswith("XS"):  # an older QR's signed content (XS1.…)
        return None
    return text if text.count(".") == 3 else None


def token_verify(text: str, ring: KeyRing) -> Token:
    """The number and code of a valid token; PayloadInvalid (in Chinese) otherwise."""
    token = (text or "").strip().upper()
    if len(token) > 200:
        raise PayloadInvalid("二维码内容过长，不是本系统签发的证书。")
    parts = token.split(".")
    if len(parts) != 4:
        raise PayloadInvalid("二维码内容不完整（可能被截断）。")
    kid_text, number, code, signature_text = parts
    kid = kid_text.lower()
    if not KID_PATTERN.match(kid):
        raise PayloadInvalid("二维码中的密钥编号无效。")
    if not _NUMBER.match(number) or not _CODE.match(code):
        raise PayloadInvalid("二维码中的证书编号或核验码无效。")
    signature = _b32decode(signature_text)
    key = ring.public.get(kid)
    if key is None:
        raise PayloadInvalid(f"签名密钥 {kid} 未知：证书可能是伪造的，或密钥已停用。")
    try:
        key.verify(signature, f"{PREFIX}.{kid_text}.{number}.{code}".encode("ascii"))
    except InvalidSignature:
        raise PayloadInvalid("签名校验失败：证书编号或核验码被篡改，或证书是伪造的。") from None
    return Token(kid=kid, number=number, code=code)


def token_url(public_url: str, token: str) -> str:
    """The short address the QR carries: the site's scheme and host in upper case (they are
    case-insensitive), so that the whole address stays alphanumeric."""
    scheme, sep, rest = public_url.rstrip("/").partition("://")
    host, slash, path = rest.partition("/")
    base = f"{scheme.upper()}{sep}{host.upper()}{slash}{path}" if sep else public_url.rstrip("/")
    return f"{base}{PATH}{token}"
