"""Signature algorithms behind one interface: Ed25519 and SM2 (国密, GB/T 32918.2-2016).

The algorithm of a key is in its key id: ``sm2-…`` is SM2 (with SM3, the default signer id
``1234567812345678`` of GB/T 35276-2017), any other id Ed25519. Both give a 64-byte
signature (SM2 as the raw ``r‖s``), so a certificate's token and payload keep their length
whichever key signs them, and a verifier needs only the key id to know how to check.

SM2 is not in ``cryptography``; the arithmetic is ``gmssl``'s (pure Python: ~10 ms a
signature, ~18 ms a verification, against Ed25519's 0.05 / 0.14 ms — docs/security.md).
What it leaves to its caller is done here: the nonce comes from ``secrets`` (gmssl's own
comes from ``random``), r and s are range-checked before a verification, a public key must
be a point of the curve, and keys are stored as standard PEM (SubjectPublicKeyInfo and
SEC 1 ``EC PRIVATE KEY`` with the SM2 curve's OID), which OpenSSL 3 and GmSSL read.

Pure Python (no Django): the offline verifier uses it too.
"""

from __future__ import annotations

import base64
import secrets
from typing import Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from gmssl import sm2 as gm_sm2

ED25519 = "ed25519"
SM2 = "sm2"
ALGORITHMS = (ED25519, SM2)
SIGNATURE_LENGTH = 64


def algorithm_of(kid: str) -> str:
    """The algorithm a key id names: ``sm2-…`` is SM2, anything else Ed25519."""
    return SM2 if kid.startswith(f"{SM2}-") else ED25519


def kid_base(kid: str) -> str:
    """The key id without its algorithm prefix (what orders keys by date)."""
    return kid.removeprefix(f"{SM2}-")


class PublicKey(Protocol):
    algorithm: str

    def verify(self, signature: bytes, data: bytes) -> None:
        """Raise ``cryptography.exceptions.InvalidSignature`` unless it is valid."""

    def raw(self) -> bytes:
        """The key's bytes (for a fingerprint)."""

    def pem(self) -> bytes: ...


class PrivateKey(Protocol):
    algorithm: str

    def sign(self, data: bytes) -> bytes:
        """A 64-byte signature of ``data``."""

    def public_key(self) -> PublicKey: ...

    def pem(self) -> bytes: ...


# --- Ed25519 (cryptography) -----------------------------------------------------------------


class Ed25519Public:
    algorithm = ED25519

    def __init__(self, key: Ed25519PublicKey) -> None:
        self._key = key

    def verify(self, signature: bytes, data: bytes) -> None:
        self._key.verify(signature, data)

    def raw(self) -> bytes:
        return self._key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    def pem(self) -> bytes:
        return self._key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )


class Ed25519Private:
    algorithm = ED25519

    def __init__(self, key: Ed25519PrivateKey) -> None:
        self._key = key

    def sign(self, data: bytes) -> bytes:
        return self._key.sign(data)

    def public_key(self) -> PublicKey:
        return Ed25519Public(self._key.public_key())

    def pem(self) -> bytes:
        return self._key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )


# --- SM2 (gmssl) ----------------------------------------------------------------------------

_TABLE = gm_sm2.default_ecc_table
_P = int(_TABLE["p"], 16)
_N = int(_TABLE["n"], 16)
_A = int(_TABLE["a"], 16)
_B = int(_TABLE["b"], 16)
# DER around the key bytes: SubjectPublicKeyInfo {id-ecPublicKey, sm2p256v1} with the
# uncompressed point, and SEC 1 ECPrivateKey {1, d, [0] sm2p256v1, [1] point}.
_SPKI_PREFIX = bytes.fromhex("3059301306072a8648ce3d020106082a811ccf5501822d03420004")
_SEC1_PREFIX = bytes.fromhex("30770201010420")
_SEC1_MIDDLE = bytes.fromhex("a00a06082a811ccf5501822da14403420004")


def _pem(label: str, der: bytes) -> bytes:
    body = base64.encodebytes(der).decode("ascii").replace("\n", "")
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    text = "\n".join([f"-----BEGIN {label}-----", *lines, f"-----END {label}-----"])
    return (text + "\n").encode()


def _unpem(label: str, text: bytes) -> bytes:
    lines = text.decode("ascii", errors="replace").strip().splitlines()
    head, tail = f"-----BEGIN {label}-----", f"-----END {label}-----"
    if len(lines) < 3 or lines[0] != head or lines[-1] != tail:
        raise ValueError(f"not a PEM {label}")
    return base64.b64decode("".join(lines[1:-1]), validate=True)


def _on_curve(point: bytes) -> bool:
    x, y = int.from_bytes(point[:32], "big"), int.from_bytes(point[32:], "big")
    return x < _P and y < _P and (y * y - (x * x * x + _A * x + _B)) % _P == 0


def _engine(private_hex: str, point: bytes) -> gm_sm2.CryptSM2:
    engine = gm_sm2.CryptSM2(private_key=private_hex, public_key="00" * 64)
    # Set after construction: gmssl's constructor lstrip("04")s the key, which eats any
    # leading 0s and 4s of x as well.
    engine.public_key = point.hex()
    return engine


class Sm2Public:
    algorithm = SM2

    def __init__(self, point: bytes) -> None:
        """``point``: x‖y, 64 bytes (without the 04 of the uncompressed form)."""
        if len(point) != 64 or not _on_curve(point):
            raise ValueError("not a point of the SM2 curve")
        self._point = point
        self._engine = _engine("", point)

    def verify(self, signature: bytes, data: bytes) -> None:
        r = int.from_bytes(signature[:32], "big")
        s = int.from_bytes(signature[32:], "big")
        if len(signature) != SIGNATURE_LENGTH or not (0 < r < _N and 0 < s < _N):
            raise InvalidSignature
        if not self._engine.verify_with_sm3(signature.hex(), data):
            raise InvalidSignature

    def raw(self) -> bytes:
        return b"\x04" + self._point

    def pem(self) -> bytes:
        return _pem("PUBLIC KEY", _SPKI_PREFIX + self._point)

    @classmethod
    def from_pem(cls, text: bytes) -> Sm2Public:
        der = _unpem("PUBLIC KEY", text)
        if len(der) != len(_SPKI_PREFIX) + 64 or not der.startswith(_SPKI_PREFIX):
            raise ValueError("not an SM2 public key")
        return cls(der[len(_SPKI_PREFIX) :])


class Sm2Private:
    algorithm = SM2

    def __init__(self, secret: int) -> None:
        if not 0 < secret < _N - 1:
            raise ValueError("not an SM2 private key")
        self._secret = secret
        engine = _engine(f"{secret:064x}", b"")
        point = bytes.fromhex(engine._kg(secret, _TABLE["g"]))
        self._public = Sm2Public(point)
        self._engine = _engine(f"{secret:064x}", point)

    @classmethod
    def generate(cls) -> Sm2Private:
        return cls(secrets.randbelow(_N - 2) + 1)

    def sign(self, data: bytes) -> bytes:
        while True:
            nonce = secrets.randbelow(_N - 1) + 1
            signature = self._engine.sign_with_sm3(data, f"{nonce:064x}")
            if signature is not None:  # r = 0, r + k = n or s = 0: another nonce
                return bytes.fromhex(signature)

    def public_key(self) -> PublicKey:
        return self._public

    def pem(self) -> bytes:
        der = (
            _SEC1_PREFIX + self._secret.to_bytes(32, "big") + _SEC1_MIDDLE + self._public.raw()[1:]
        )
        return _pem("EC PRIVATE KEY", der)

    @classmethod
    def from_pem(cls, text: bytes) -> Sm2Private:
        der = _unpem("EC PRIVATE KEY", text)
        head, middle = len(_SEC1_PREFIX), len(_SEC1_MIDDLE)
        if (
            len(der) != head + 32 + middle + 64
            or not der.startswith(_SEC1_PREFIX)
            or der[head + 32 : head + 32 + middle] != _SEC1_MIDDLE
        ):
            raise ValueError("not an SM2 private key")
        key = cls(int.from_bytes(der[head : head + 32], "big"))
        if key._public.raw()[1:] != der[head + 32 + middle :]:
            raise ValueError("the SM2 private key does not match its public key")
        return key


# --- by key id ------------------------------------------------------------------------------


def generate(algorithm: str) -> PrivateKey:
    if algorithm == SM2:
        return Sm2Private.generate()
    if algorithm == ED25519:
        return Ed25519Private(Ed25519PrivateKey.generate())
    raise ValueError(f"unknown signature algorithm {algorithm!r}")


def public_from_pem(kid: str, text: bytes) -> PublicKey | None:
    """The public key of a ``<kid>.public.pem``; None if it is not of the kid's algorithm."""
    if algorithm_of(kid) == SM2:
        try:
            return Sm2Public.from_pem(text)
        except ValueError:
            return None
    key = serialization.load_pem_public_key(text)
    return Ed25519Public(key) if isinstance(key, Ed25519PublicKey) else None


def private_from_pem(kid: str, text: bytes) -> PrivateKey | None:
    """The private key of a ``<kid>.private.pem``; None if it is not of the kid's algorithm."""
    if algorithm_of(kid) == SM2:
        try:
            return Sm2Private.from_pem(text)
        except ValueError:
            return None
    key = serialization.load_pem_private_key(text, password=None)
    return Ed25519Private(key) if isinstance(key, Ed25519PrivateKey) else None
