"""Signed certificate payloads: Ed25519 or SM2 with a key id, so keys can rotate.

A payload is ``XS1.<kid>.<body>.<signature>``: ``body`` is the certificate's essential content
as canonical JSON in unpadded base64url, the signature covers ``XS1.<kid>.<body>``. Decoding
is strict: a payload whose base64 is not the canonical encoding of its bytes is refused, so
no character of a valid payload can be changed without the check failing.

The key id names the algorithm (``sm2-…`` SM2, otherwise Ed25519: ``algorithms.py``); both
sign in 64 bytes.

Pure Python (no Django): the offline verifier (`xueshi certificate verify`) uses it too.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature

from xueshi.certificates.algorithms import (
    ALGORITHMS,
    ED25519,
    PrivateKey,
    PublicKey,
    algorithm_of,
    generate,
    kid_base,
    private_from_pem,
    public_from_pem,
)

PREFIX = "XS1"
KID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")
FIELDS = {"no", "nm", "id", "y", "rg", "rn", "h", "c", "ok", "iss", "dt", "pv"}
REQUIRED = {"no", "nm", "id", "y", "rg", "iss", "dt", "pv"}


class PayloadInvalid(ValueError):
    """A payload that is not a valid, untampered certificate of this system (Chinese message)."""


def b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64decode(text: str) -> bytes:
    """Strict unpadded base64url: only its alphabet, and only the canonical encoding."""
    if not re.fullmatch(r"[A-Za-z0-9_-]*", text) or len(text) % 4 == 1:
        raise PayloadInvalid("二维码内容已损坏（编码无效）。")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise PayloadInvalid("二维码内容已损坏（编码无效）。") from None
    if b64encode(data) != text:
        raise PayloadInvalid("二维码内容已损坏（编码不规范）。")
    return data


def kid_order(kid: str) -> tuple[str, int]:
    """Key ids in the order they were made: by their text without the algorithm's prefix
    and the ``-N`` of a second key of the same day, then by N (a plain id is the first)."""
    base, _, number = kid_base(kid).rpartition("-")
    if base and number.isdigit():
        return base, int(number)
    return kid_base(kid), 1


@dataclass
class KeyRing:
    """Keys by key id, of either algorithm. The private key of ``active`` signs; every public
    key verifies."""

    public: dict[str, PublicKey] = field(default_factory=dict)
    private: dict[str, PrivateKey] = field(default_factory=dict)
    active: str | None = None

    @classmethod
    def load(cls, directory: Path) -> KeyRing:
        """Keys from ``<kid>.public.pem`` / ``<kid>.private.pem``; the newest private key is
        active (key ids sort by date and number: ``k20261121`` < ``k20261121-2`` <
        ``k20261121-10`` < ``k20261122``)."""
        ring = cls()
        if not directory.is_dir():
            return ring
        for path in sorted(directory.glob("*.public.pem")):
            kid = path.name.removesuffix(".public.pem")
            if KID_PATTERN.match(kid):
                public = public_from_pem(kid, path.read_bytes())
                if public is not None:
                    ring.public[kid] = public
        privates = sorted(
            directory.glob("*.private.pem"),
            key=lambda path: kid_order(path.name.removesuffix(".private.pem")),
        )
        for path in privates:
            kid = path.name.removesuffix(".private.pem")
            if KID_PATTERN.match(kid):
                private = private_from_pem(kid, path.read_bytes())
                if private is not None:
                    ring.private[kid] = private
                    ring.public.setdefault(kid, private.public_key())
                    ring.active = kid
        return ring

    def generate(self, kid: str, directory: Path | None = None) -> str:
        """A new key pair of the algorithm the key id names, made active (and written to
        ``directory`` if given)."""
        if not KID_PATTERN.match(kid):
            raise ValueError(f"invalid key id {kid!r}")
        key = generate(algorithm_of(kid))
        self.private[kid] = key
        self.public[kid] = key.public_key()
        self.active = kid
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)
            private = directory / f"{kid}.private.pem"
            private.touch(mode=0o600)
            private.chmod(0o600)
            private.write_bytes(key.pem())
            (directory / f"{kid}.public.pem").write_bytes(key.public_key().pem())
        return kid


def kid_new(base: str, algorithm: str, taken: set[str]) -> str:
    """A key id for a new key of ``algorithm`` from ``base`` (``k20261205``): ``-2``, ``-3``…
    added while the base is taken by a key of either algorithm, so ids stay in order."""
    if algorithm not in ALGORITHMS:
        raise ValueError(f"unknown signature algorithm {algorithm!r}")
    prefix = "" if algorithm == ED25519 else f"{algorithm}-"
    bases = {kid_base(kid) for kid in taken}
    candidate, n = base, 1
    while candidate in bases:
        n += 1
        candidate = f"{base}-{n}"
    return prefix + candidate


def canonical(content: dict[str, Any]) -> bytes:
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def sign(content: dict[str, Any], ring: KeyRing) -> str:
    """The signed payload of ``content`` (keys from FIELDS)."""
    unknown = set(content) - FIELDS
    missing = REQUIRED - set(content)
    if unknown or missing:
        raise ValueError(f"payload fields: unknown {sorted(unknown)}, missing {sorted(missing)}")
    if ring.active is None:
        raise ValueError("no signing key")
    kid = ring.active
    head = f"{PREFIX}.{kid}.{b64encode(canonical(content))}"
    signature = ring.private[kid].sign(head.encode("ascii"))
    return f"{head}.{b64encode(signature)}"


@dataclass(frozen=True)
class Verified:
    kid: str
    content: dict[str, Any]

    @property
    def number(self) -> str:
        return str(self.content["no"])


def verify(payload: str, ring: KeyRing) -> Verified:
    """The content of a valid payload; PayloadInvalid (in Chinese) otherwise."""
    text = (payload or "").strip()
    if len(text) > 4096:
        raise PayloadInvalid("二维码内容过长，不是本系统签发的证书。")
    parts = text.split(".")
    if not text.startswith(PREFIX + "."):
        raise PayloadInvalid("不是本系统签发的继续教育证书二维码。")
    if len(parts) != 4:
        raise PayloadInvalid("二维码内容不完整（可能被截断）。")
    _, kid, body_text, signature_text = parts
    if not KID_PATTERN.match(kid):
        raise PayloadInvalid("二维码中的密钥编号无效。")
    body = b64decode(body_text)
    signature = b64decode(signature_text)
    key = ring.public.get(kid)
    if key is None:
        raise PayloadInvalid(f"签名密钥 {kid} 未知：证书可能是伪造的，或密钥已停用。")
    if len(signature) != 64:
        raise PayloadInvalid("签名长度不正确：内容被篡改或伪造。")
    try:
        key.verify(signature, f"{PREFIX}.{kid}.{body_text}".encode("ascii"))
    except InvalidSignature:
        raise PayloadInvalid("签名校验失败：证书内容被篡改或伪造。") from None
    try:
        content = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise PayloadInvalid("证书内容格式不正确。") from None
    if not isinstance(content, dict) or REQUIRED - set(content) or set(content) - FIELDS:
        raise PayloadInvalid("证书内容格式不正确。")
    return Verified(kid, content)


def issued_date(content: dict[str, Any]) -> dt.date:
    return dt.date.fromisoformat(str(content["dt"]))


# --- signed documents other than a certificate's payload (the revocation list) --------------


def document_sign(prefix: str, content: dict[str, Any], ring: KeyRing) -> str:
    """``<prefix>.<kid>.<body>.<signature>``, as a payload but of any JSON object."""
    if ring.active is None:
        raise ValueError("no signing key")
    kid = ring.active
    head = f"{prefix}.{kid}.{b64encode(canonical(content))}"
    return f"{head}.{b64encode(ring.private[kid].sign(head.encode('ascii')))}"


def document_verify(prefix: str, text: str, ring: KeyRing) -> Verified:
    """The content of a valid signed document of ``prefix``; PayloadInvalid otherwise."""
    parts = (text or "").strip().split(".")
    if len(parts) != 4 or parts[0] != prefix:
        raise PayloadInvalid("不是本系统签发的文件。")
    _, kid, body_text, signature_text = parts
    key = ring.public.get(kid) if KID_PATTERN.match(kid) else None
    if key is None:
        raise PayloadInvalid(f"签名密钥 {kid[:32]} 未知。")
    signature = b64decode(signature_text)
    try:
        key.verify(signature, f"{prefix}.{kid}.{body_text}".encode("ascii"))
    except InvalidSignature:
        raise PayloadInvalid("签名校验失败：文件被篡改或伪造。") from None
    content = json.loads(b64decode(body_text).decode("utf-8"))
    if not isinstance(content, dict):
        raise PayloadInvalid("文件内容格式不正确。")
    return Verified(kid, content)


# --- a verification stamp, signed when given (docs/adr: stamps signed) ----------------------

STAMP_PREFIX = "XSV1"
# What a stamp says, as kept on the certificate (``certificate.stamps``), signed with the
# certificate's number, its payload's digest and the digest of the stamp before it.
STAMP_FIELDS = ("step", "act", "role", "body", "by", "user", "at", "seal", "kind")


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def stamp_content(
    stamp: dict[str, Any], *, number: str, payload: str, previous: str
) -> dict[str, Any]:
    """The signed content of ``stamp``: its fields, the certificate it is on and the
    signature of the stamp before it ("" for the first)."""
    return {
        **{key: stamp.get(key) for key in STAMP_FIELDS},
        "no": number,
        "pd": digest(payload),
        "prev": digest(previous) if previous else "",
    }


def stamp_sign(
    stamp: dict[str, Any], ring: KeyRing, *, number: str, payload: str, previous: str
) -> str:
    return document_sign(
        STAMP_PREFIX,
        stamp_content(stamp, number=number, payload=payload, previous=previous),
        ring,
    )


def _stamp_signed(signature: str, ring: KeyRing) -> dict[str, Any] | None:
    """The content a stamp's signature signs, or None."""
    try:
        return document_verify(STAMP_PREFIX, signature, ring).content
    except (PayloadInvalid, ValueError):
        return None


def stamps_check(
    stamps: list[dict[str, Any]], ring: KeyRing, *, number: str, payload: str
) -> int | None:
    """The index of the first stamp that does not match its signature (altered, moved from
    another certificate, reordered, or never signed), or None when every stamp does."""
    previous = ""
    for index, stamp in enumerate(stamps):
        signature = str(stamp.get("sig") or "")
        signed = _stamp_signed(signature, ring) if signature else None
        expected = stamp_content(stamp, number=number, payload=payload, previous=previous)
        if signed is None or signed != expected:
            return index
        previous = signature
    return None
