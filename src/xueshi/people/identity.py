"""Resident ID numbers at rest (issue 14 item 4; 等保 8.1.4.8, 个人信息保护法 art. 28, 51).

A professional's ID number is never stored in clear. Each row holds

- ``id_number_encrypted``: ``<kid>.<base64url(nonce ‖ ciphertext ‖ tag)>``, SM4-GCM under the
  ID key ``kid`` (128-bit key, 96-bit random nonce). The additional data binds the
  ciphertext to its key id and its blind index, so a ciphertext copied onto another
  person's row does not decrypt;
- ``id_number_index``: HMAC-SM3 of the number under the index key, hex: what look-ups and
  the uniqueness constraint use (an equal number gives an equal index; the index reveals
  nothing without the key);
- ``id_number_masked``: ``4405**********123X``, what every page shows.

The keys live outside the database, in ``XUESHI_ID_KEYS`` (a folder: ``id-<kid>.key`` for
encryption, ``index.key``; mode 0600, hex). Outside production a missing folder is made
on first use; in production the keys must be there (made once with ``xueshi idkeys
rotate``, handed to every server like the signing keys). Rotation: ``xueshi idkeys rotate``
makes a new key, the newest encrypts, old ones keep decrypting, and ``xueshi idkeys
reencrypt`` moves every row to the newest key (chunks of 1,000, each its own transaction,
resumable); then an old key file can be retired. docs/security.md, ADR 0010.

Reading a full number for a person is ``id_number_reveal`` (or ``id_numbers_reveal`` for an
export): the single place that decrypts for display, and it writes an audit row for each
number it reveals. ``id_number_decrypt`` is for the system's own work (re-encryption) and
shows nothing to anyone.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from xueshi.audit.services import Actor, audit_event_write, audit_events_write_many
from xueshi.organisations.validators import mask_ric

if TYPE_CHECKING:
    from xueshi.people.models import Professional

KID = re.compile(r"^k[0-9]{8}(-[0-9]{1,4})?$")
NONCE_BYTES = 12
TAG_BYTES = 16
KEY_BYTES = 16  # SM4
INDEX_KEY_BYTES = 32


class IdKeyError(RuntimeError):
    """A ciphertext that no key here opens, or that was altered (message in Chinese)."""


@dataclass(frozen=True)
class IdKeys:
    encryption: dict[str, bytes]
    active: str
    index: bytes


_cache: dict[str, tuple[int, IdKeys]] = {}


def keys_dir() -> Path:
    return Path(settings.XUESHI_ID_KEYS)


def _kid_order(kid: str) -> tuple[str, int]:
    base, _, number = kid.partition("-")
    return base, int(number or 1)


def _write_key(path: Path, key: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key.hex() + "\n")


def _read_key(path: Path, length: int) -> bytes:
    try:
        key = bytes.fromhex(path.read_text().strip())
    except ValueError:
        raise ImproperlyConfigured(f"ID key {path} is not hex.") from None
    if len(key) != length:
        raise ImproperlyConfigured(f"ID key {path} must be {length} bytes.")
    return key


def _load(directory: Path) -> IdKeys | None:
    if not directory.is_dir():
        return None
    encryption = {}
    for path in directory.glob("id-*.key"):
        kid = path.name.removeprefix("id-").removesuffix(".key")
        if KID.match(kid):
            encryption[kid] = _read_key(path, KEY_BYTES)
    index = directory / "index.key"
    if not encryption or not index.is_file():
        return None
    active = max(encryption, key=_kid_order)
    return IdKeys(encryption, active, _read_key(index, INDEX_KEY_BYTES))


def _stamp(directory: Path) -> int:
    try:
        return directory.stat().st_mtime_ns
    except FileNotFoundError:
        return -1


def id_keys() -> IdKeys:
    """The ID keys, re-read when the folder changes (a rotation by another process)."""
    directory = keys_dir()
    stamp = _stamp(directory)
    cached = _cache.get(str(directory))
    if cached is not None and cached[0] == stamp:
        return cached[1]
    keys = _load(directory)
    if keys is None:
        if settings.PRODUCTION:
            raise ImproperlyConfigured(
                f"XUESHI_PRODUCTION is on and {directory} holds no ID keys: make them once with "
                "`xueshi idkeys rotate` and give every server the same folder."
            )
        id_key_rotate()
        keys = _load(directory)
        assert keys is not None
    _cache[str(directory)] = (_stamp(directory), keys)
    return keys


def id_key_rotate() -> str:
    """A new encryption key from today (and the index key if there is none yet); the
    newest key encrypts from now on, the older ones keep decrypting."""
    directory = keys_dir()
    if not (directory / "index.key").exists():
        _write_key(directory / "index.key", secrets.token_bytes(INDEX_KEY_BYTES))
    base = f"k{timezone.localdate():%Y%m%d}"
    kid, n = base, 1
    while (directory / f"id-{kid}.key").exists():
        n += 1
        kid = f"{base}-{n}"
    _write_key(directory / f"id-{kid}.key", secrets.token_bytes(KEY_BYTES))
    _cache.pop(str(directory), None)
    return kid


# --- the three stored forms ---------------------------------------------------------------


def id_index(number: str, keys: IdKeys | None = None) -> str:
    """The blind index of a normalised ID number (18 characters, X upper-case)."""
    mac = hmac.HMAC((keys or id_keys()).index, hashes.SM3())
    mac.update(number.strip().upper().encode("ascii", errors="replace"))
    return mac.finalize().hex()


def id_indexes(numbers: Iterable[str]) -> dict[str, str]:
    """index → number for many numbers (a batch's look-up)."""
    keys = id_keys()
    return {id_index(number, keys): number for number in numbers}


def _aad(kid: str, index: str) -> bytes:
    return f"xueshi/id_number/{kid}/{index}".encode("ascii")


def id_encrypt(number: str, index: str, keys: IdKeys | None = None) -> str:
    keys = keys or id_keys()
    nonce = secrets.token_bytes(NONCE_BYTES)
    encryptor = Cipher(algorithms.SM4(keys.encryption[keys.active]), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(_aad(keys.active, index))
    body = encryptor.update(number.encode("ascii")) + encryptor.finalize()
    sealed = base64.urlsafe_b64encode(nonce + body + encryptor.tag).rstrip(b"=").decode()
    return f"{keys.active}.{sealed}"


def id_fields(number: str) -> dict[str, str]:
    """What a row stores for the normalised ID number ``number``."""
    number = number.strip().upper()
    keys = id_keys()
    index = id_index(number, keys)
    return {
        "id_number_encrypted": id_encrypt(number, index, keys),
        "id_number_index": index,
        "id_number_masked": mask_ric(number),
    }


def id_number_decrypt(encrypted: str, index: str) -> str:
    """The number inside a stored ciphertext, for the system's own work. Shows nothing:
    to show a number to a person use ``id_number_reveal``."""
    kid, _, sealed = encrypted.partition(".")
    key = id_keys().encryption.get(kid)
    if key is None:
        raise IdKeyError(f"身份号码密钥 {kid[:16]} 不在本机：无法解密。")
    try:
        raw = base64.urlsafe_b64decode(sealed + "=" * (-len(sealed) % 4))
    except (binascii.Error, ValueError):
        raise IdKeyError("身份号码密文已损坏。") from None
    nonce, body, tag = raw[:NONCE_BYTES], raw[NONCE_BYTES:-TAG_BYTES], raw[-TAG_BYTES:]
    decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(_aad(kid, index))
    try:
        return (decryptor.update(body) + decryptor.finalize()).decode("ascii")
    except (InvalidTag, ValueError):
        raise IdKeyError("身份号码密文校验失败：已被篡改或不属于这一行。") from None


# --- revealing a full number to a person (audited) ------------------------------------------


def id_number_reveal(*, actor: Actor, role: str, professional: Professional, purpose: str) -> str:
    """The full ID number of ``professional`` shown to ``actor`` for ``purpose`` (Chinese,
    e.g. "本人查看"), with an audit row. The caller has checked the actor may see it."""
    number = id_number_decrypt(professional.id_number_encrypted, professional.id_number_index)
    audit_event_write(
        actor=actor,
        role=role,
        action="id_number_read",
        target=professional,
        comment=purpose,
    )
    return number


def id_numbers_reveal(
    *, actor: Actor, role: str, professionals: Sequence[Professional], purpose: str
) -> dict[int, str]:
    """Full ID numbers of many people for one piece of work (an export), by primary key;
    one audit row for each person."""
    numbers = {
        p.pk: id_number_decrypt(p.id_number_encrypted, p.id_number_index) for p in professionals
    }
    audit_events_write_many(
        actor=actor,
        role=role,
        action="id_number_read",
        target_type="people.professional",
        target_ids=list(numbers),
        comment=purpose,
    )
    return numbers


def id_numbers_reencrypt(*, chunk: int = 1000) -> int:
    """Move every row not under the newest key to it (after ``id_key_rotate``), a chunk at a
    time, each chunk locked and written in its own transaction with one audit row; rows
    written meanwhile are already under the newest key. Returns the rows re-encrypted.
    Resumable: a second run finds only what the first did not reach."""
    from django.db import transaction

    from xueshi.people.models import Professional

    keys = id_keys()
    done = 0
    while True:
        with transaction.atomic():
            rows = list(
                Professional.objects.select_for_update()
                .exclude(id_number_encrypted__startswith=f"{keys.active}.")
                .order_by("pk")
                .only("pk", "id_number_encrypted", "id_number_index")[:chunk]
            )
            if not rows:
                return done
            for row in rows:
                number = id_number_decrypt(row.id_number_encrypted, row.id_number_index)
                row.id_number_encrypted = id_encrypt(number, row.id_number_index, keys)
            Professional.objects.bulk_update(rows, ["id_number_encrypted"])
            audit_event_write(
                actor=None,
                role="system",
                action="id_numbers_reencrypt",
                target=("people.idkey", keys.active),
                data={"rows": len(rows), "first": rows[0].pk, "last": rows[-1].pk},
            )
        done += len(rows)


def id_keys_describe() -> list[dict[str, Any]]:
    """Each encryption key: id and whether it encrypts (for ``xueshi idkeys list``)."""
    keys = id_keys()
    ordered = sorted(keys.encryption, key=_kid_order, reverse=True)
    return [{"kid": kid, "active": kid == keys.active} for kid in ordered]
