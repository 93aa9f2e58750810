"""Client secrets: made here, shown once, kept sealed.

Checking an HMAC signature needs the secret itself, so it cannot be kept as a one-way hash
(OAuth2 keeps its own hash of the same secret). It is sealed with Fernet under a key derived
from ``SECRET_KEY`` (HKDF-SHA256): a copy of the database alone does not give the secrets.
Changing ``SECRET_KEY`` makes every client rotate its secret (docs/api.md).
"""

from __future__ import annotations

import base64
import secrets

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


def _fernet() -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"xueshi.api.secret", info=b"v1").derive(
        settings.SECRET_KEY.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def new_app_key() -> str:
    return "xs" + secrets.token_hex(12)


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def seal(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def unseal(sealed: str) -> str:
    return _fernet().decrypt(sealed.encode()).decode()
