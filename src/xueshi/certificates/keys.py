"""The signing keys of this installation (``settings.XUESHI_KEYS_DIR``)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.utils import timezone

from xueshi.certificates.signing import KeyRing

# The ring of each folder, with the folder's modification time when it was read: a key
# rotated by another process (another app server on the same shared folder, or
# ``xueshi keys rotate``) is picked up on the next use, without a restart.
_rings: dict[str, tuple[int, KeyRing]] = {}


def keys_dir() -> Path:
    return Path(settings.XUESHI_KEYS_DIR)


def _stamp(directory: Path) -> int:
    try:
        return directory.stat().st_mtime_ns
    except FileNotFoundError:
        return -1


def keyring() -> KeyRing:
    """The key ring, with a signing key: one is made on first use if the folder has none."""
    directory = keys_dir()
    stamp = _stamp(directory)
    cached = _rings.get(str(directory))
    if cached is not None and cached[0] == stamp and cached[1].active is not None:
        return cached[1]
    ring = KeyRing.load(directory)
    if ring.active is None:
        ring.generate(f"k{timezone.localdate():%Y%m%d}", directory)
    _rings[str(directory)] = (_stamp(directory), ring)
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
    _rings[str(directory)] = (_stamp(directory), ring)
    return kid
