"""The signing keys of this installation (``settings.XUESHI_KEYS_DIR``)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.utils import timezone

from xueshi.certificates.signing import KeyRing, kid_new

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
        kid = kid_new(_base(), settings.XUESHI_SIGNING_ALGORITHM, set(ring.public))
        ring.generate(kid, directory)
    _rings[str(directory)] = (_stamp(directory), ring)
    return ring


def _base() -> str:
    return f"k{timezone.localdate():%Y%m%d}"


def key_rotate(algorithm: str | None = None) -> str:
    """A new signing key from today (of ``algorithm``, by default the installation's:
    ``XUESHI_SIGNING_ALGORITHM``); old keys of either algorithm keep verifying what they
    signed."""
    directory = keys_dir()
    ring = KeyRing.load(directory)
    kid = kid_new(_base(), algorithm or settings.XUESHI_SIGNING_ALGORITHM, set(ring.public))
    ring.generate(kid, directory)
    _rings[str(directory)] = (_stamp(directory), ring)
    return kid
