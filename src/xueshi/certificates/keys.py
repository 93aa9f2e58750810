"""The signing keys of this installation (``settings.XUESHI_KEYS_DIR``)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.utils import timezone

from xueshi.certificates.signing import KeyRing

_rings: dict[str, KeyRing] = {}


def keys_dir() -> Path:
    return Path(settings.XUESHI_KEYS_DIR)


def keyring() -> KeyRing:
    """The key ring, with a signing key: one is made on first use if the folder has none."""
    directory = keys_dir()
    ring = _rings.get(str(directory))
    if ring is None or ring.active is None:
        ring = KeyRing.load(directory)
        if ring.active is None:
            ring.generate(f"k{timezone.localdate():%Y%m%d}", directory)
        _rings[str(directory)] = ring
    return ring


def key_rotate() -> str:
    """A new signing key from today; old keys keep verifying what they signed."""
    directory = keys_dir()
    ring = KeyRing.load(directory)
    base = f"k{timezone.localdate():%Y%m%d}"
    kid, n = base, 1
    while kid in ring.public:
        n += 1
        kid = f"{base}-{n}"
    ring.generate(kid, directory)
    _rings[str(directory)] = ring
    return kid
