"""Signed requests: what is signed, and how (pure functions, no Django: docs/api.md's
example client signs with the same rules).

A request is signed with the client's secret over six lines::

    METHOD
    /api/v1/path/
    query string, exactly as sent ("" if none)
    timestamp (Unix seconds)
    nonce (8–64 letters, digits, "-" or "_"; never reused within 15 minutes)
    hex digest of the body (SHA-256, or SM3 with HMAC-SM3; of b"" if no body)

as HMAC-SHA256 (the default) or HMAC-SM3 (GB/T 32905), hex. The server computes the body's
digest itself: a body changed in transit no longer matches its signature.
"""

from __future__ import annotations

import hmac

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac

HMAC_SHA256 = "HMAC-SHA256"
HMAC_SM3 = "HMAC-SM3"
ALGORITHMS: dict[str, type[hashes.HashAlgorithm]] = {
    HMAC_SHA256: hashes.SHA256,
    HMAC_SM3: hashes.SM3,
}

HEADER_KEY = "X-Xueshi-App-Key"
HEADER_TIMESTAMP = "X-Xueshi-Timestamp"
HEADER_NONCE = "X-Xueshi-Nonce"
HEADER_SIGNATURE = "X-Xueshi-Signature"
HEADER_ALGORITHM = "X-Xueshi-Signature-Method"


def body_digest(body: bytes, algorithm: str = HMAC_SHA256) -> str:
    digest = hashes.Hash(ALGORITHMS[algorithm]())
    digest.update(body)
    return digest.finalize().hex()


def string_to_sign(
    *, method: str, path: str, query: str, timestamp: str, nonce: str, digest: str
) -> str:
    return "\n".join((method.upper(), path, query, timestamp, nonce, digest))


def signature(secret: str, message: str, algorithm: str = HMAC_SHA256) -> str:
    mac = crypto_hmac.HMAC(secret.encode(), ALGORITHMS[algorithm]())
    mac.update(message.encode())
    return mac.finalize().hex()


def sign_request(
    *,
    secret: str,
    method: str,
    path: str,
    query: str = "",
    body: bytes = b"",
    timestamp: str,
    nonce: str,
    algorithm: str = HMAC_SHA256,
) -> str:
    """The signature of a request, hex."""
    message = string_to_sign(
        method=method,
        path=path,
        query=query,
        timestamp=timestamp,
        nonce=nonce,
        digest=body_digest(body, algorithm),
    )
    return signature(secret, message, algorithm)


def signatures_equal(a: str, b: str) -> bool:
    """Constant-time comparison (no timing oracle on the signature)."""
    return hmac.compare_digest(a.encode(), b.encode())
