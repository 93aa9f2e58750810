"""The audit chain: every audit row is sealed with an HMAC-SM3 over its content and the MAC
of the row before it, with a key kept outside the database (docs/adr/0009-audit-chain.md).

Rows are written unsealed inside the transaction of the change they record; right after that
transaction commits, ``audit_seal`` (registered with ``on_commit``) takes the chain's head
row's lock in a short transaction of its own, gives each committed unsealed row the next
position (``seq``) and its MAC, and moves the head. Sealing after the commit keeps the head's
lock out of the business transactions (no waiting on it while holding other rows, no
deadlock); a row is unsealed for the milliseconds between its commit and the seal, and a
process that dies there leaves it for the next seal (any later write, or ``xueshi audit
seal``; ``xueshi audit verify`` reports unsealed rows older than a minute).

``audit_verify`` recomputes the chain: an edited row fails its MAC, a deleted row leaves a
gap in ``seq`` (or the head no longer matches the last row), a row inserted without the key
fails its MAC. The head's position and MAC are also written to a file beside the key
(``XUESHI_AUDIT_ANCHOR``), so cutting rows off the end and moving the head back in the
database is found too.

The key is rotated by ``audit_key_rotate`` (``xueshi audit rotate-key``): the rows not sealed
yet and a last row recording the rotation are sealed with the old key, the chain goes on from
that row's MAC with the new key (a new segment, its first position and key id on the head),
and the old key is kept beside the new one (``audit-chain.<id>.key``) for verifying."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes, hmac
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from xueshi.audit.models import AuditChainHead, AuditEvent

GENESIS = "0" * 64
SEAL_BATCH = 5_000
# Columns the MAC covers, in this order (with the position and the previous MAC before them).
FIELDS = (
    "created_at",
    "actor_id",
    "role",
    "action",
    "target_type",
    "target_id",
    "from_status",
    "to_status",
    "comment",
    "policy_version",
    "data",
    "client_address",
    "result",
)


# --- the key --------------------------------------------------------------------------------


def _key_path() -> Path:
    configured = getattr(settings, "XUESHI_AUDIT_KEY_FILE", None)
    return Path(configured) if configured else Path(settings.XUESHI_KEYS_DIR) / "audit-chain.key"


def chain_key() -> bytes:
    """The HMAC key: ``XUESHI_AUDIT_KEY`` (64 hex digits) or the key file (made on first use,
    mode 0600). Never in the database."""
    configured = os.environ.get("XUESHI_AUDIT_KEY", "").strip()
    if configured:
        return bytes.fromhex(configured)
    path = _key_path()
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        made = os.urandom(32)
        try:
            with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as out:
                out.write(made.hex())
        except FileExistsError:  # another process made it first
            return bytes.fromhex(path.read_text(encoding="ascii").strip())
        return made


def _retired_key_path(kid: str) -> Path:
    return _key_path().with_name(f"audit-chain.{kid}.key")


def chain_keys() -> dict[str, bytes]:
    """Every key the chain may need, by id: the current one and those rotated out (files
    ``audit-chain.<id>.key`` beside it, or ``XUESHI_AUDIT_OLD_KEYS``, hex, comma-separated)."""
    keys = [chain_key()]
    keys += [
        bytes.fromhex(part.strip())
        for part in os.environ.get("XUESHI_AUDIT_OLD_KEYS", "").split(",")
        if part.strip()
    ]
    keys += [
        bytes.fromhex(path.read_text(encoding="ascii").strip())
        for path in sorted(_key_path().parent.glob("audit-chain.*.key"))
    ]
    return {key_id(key): key for key in reversed(keys)}


def _key_file_write(path: Path, key: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with os.fdopen(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as out:
        out.write(key.hex())
    os.replace(temporary, path)


def key_id(key: bytes) -> str:
    """Names the key without revealing it: the first 8 hex digits of its SM3 digest."""
    digest = hashes.Hash(hashes.SM3())
    digest.update(key)
    return digest.finalize().hex()[:8]


def _anchor_path() -> Path:
    configured = getattr(settings, "XUESHI_AUDIT_ANCHOR", None)
    return Path(configured) if configured else _key_path().with_name("audit-chain.anchor")


def _anchor_write(seq: int, mac: str) -> None:
    path = _anchor_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_text(f"{seq} {mac}\n", encoding="ascii")
    os.replace(temporary, path)


def _anchor_read() -> tuple[int, str] | None:
    try:
        seq, mac = _anchor_path().read_text(encoding="ascii").split()
        return int(seq), mac
    except (FileNotFoundError, ValueError):
        return None


# --- the MAC --------------------------------------------------------------------------------


def _text(name: str, value: Any) -> str:
    if name == "created_at":
        assert isinstance(value, dt.datetime)
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if name == "data":
        return json.dumps(value or {}, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "" if value is None else str(value)


def event_mac(key: bytes, seq: int, previous: str, values: dict[str, Any]) -> str:
    """HMAC-SM3 over the position, the previous MAC and the row's columns (length-prefixed,
    so no two rows' texts run together alike)."""
    mac = hmac.HMAC(key, hashes.SM3())
    for part in (str(seq), previous, *(_text(name, values[name]) for name in FIELDS)):
        encoded = part.encode("utf-8")
        mac.update(len(encoded).to_bytes(4, "big"))
        mac.update(encoded)
    return mac.finalize().hex()


def normalised_data(data: dict[str, Any] | None) -> dict[str, Any]:
    """The data as the database gives it back (a JSON round trip: tuples become lists, keys
    strings), so that the MAC computed at sealing is the one verification recomputes."""
    loaded: dict[str, Any] = json.loads(json.dumps(data or {}))
    return loaded


# --- sealing --------------------------------------------------------------------------------


def _head() -> AuditChainHead:
    head, _ = AuditChainHead.objects.get_or_create(pk=1)
    return head


def audit_seal() -> int:
    """Seal every committed unsealed row, in id order. Returns how many."""
    if not AuditEvent.objects.filter(seq__isnull=True).exists():
        return 0
    with transaction.atomic():
        _head()
        head = AuditChainHead.objects.select_for_update().get(pk=1)
        return _seal_locked(head)


def _head_key(head: AuditChainHead) -> bytes:
    """The key of the head's segment (the current key for a chain not begun)."""
    if not head.key_id:
        return chain_key()
    key = chain_keys().get(head.key_id)
    if key is None:
        raise RuntimeError(f"审计链密钥 {head.key_id} 不在密钥目录中，无法封链。")
    return key


def _seal_locked(head: AuditChainHead) -> int:
    """Seal every unsealed row with the key of the head's segment (the head locked)."""
    key = _head_key(head)
    head.key_id = head.key_id or key_id(key)
    sealed, seq, previous = 0, head.seq, head.mac or GENESIS
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    while True:
        rows = list(
            AuditEvent.objects.filter(seq__isnull=True)
            .order_by("id")
            .values("id", *FIELDS)[:SEAL_BATCH]
        )
        if not rows:
            break
        updates = []
        for row in rows:
            seq += 1
            previous = event_mac(key, seq, previous, row)
            updates.append((seq, previous, row["id"]))
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {table} SET seq = %s, mac = %s WHERE id = %s",  # nosec B608
                updates,
            )
        sealed += len(rows)
    if sealed:
        head.seq, head.mac = seq, previous
        head.save()
        transaction.on_commit(lambda: _anchor_write(seq, previous))
    return sealed


def audit_key_rotate(*, actor: Any = None) -> tuple[str, str]:
    """A new chain key: the rows not sealed yet and a row recording the rotation are sealed
    with the old key, the rows after with the new one; both keys stay in the key folder.
    Returns (old id, new id). Refused when the key comes from ``XUESHI_AUDIT_KEY`` (rotate it
    there: the new value, the old one added to ``XUESHI_AUDIT_OLD_KEYS``)."""
    from xueshi.audit.services import audit_event_write

    if os.environ.get("XUESHI_AUDIT_KEY", "").strip():
        raise RuntimeError(
            "审计链密钥来自环境变量 XUESHI_AUDIT_KEY：请在环境中更换，"
            "并把旧密钥加入 XUESHI_AUDIT_OLD_KEYS。"
        )
    new = os.urandom(32)
    new_id = key_id(new)
    with transaction.atomic():
        _head()
        head = AuditChainHead.objects.select_for_update().get(pk=1)
        old = _head_key(head)
        old_id = key_id(old)
        audit_event_write(
            actor=actor,
            role="",
            action="audit_key_rotate",
            target=("audit.chain", old_id),
            data={"from_key": old_id, "to_key": new_id},
        )
        _seal_locked(head)  # the last rows of the old key's segment, the rotation's own row
        _key_file_write(_retired_key_path(old_id), old)
        _key_file_write(_retired_key_path(new_id), new)
        head.segments = [*(head.segments or [[1, old_id]]), [head.seq + 1, new_id]]
        head.key_id = new_id
        head.save()
        transaction.on_commit(lambda: _key_file_write(_key_path(), new))
    return old_id, new_id


def _seal_after_commit() -> None:
    audit_seal()


def seal_after_commit() -> None:
    """Seal once the current transaction commits (once per transaction, however many rows)."""
    pending = getattr(connection, "run_on_commit", [])
    if any(entry[1] is _seal_after_commit for entry in pending):
        return
    transaction.on_commit(_seal_after_commit, robust=True)


# --- verifying ------------------------------------------------------------------------------


@dataclass
class Verdict:
    checked: int = 0
    problems: list[str] = field(default_factory=list)
    unsealed: int = 0

    @property
    def intact(self) -> bool:
        return not self.problems


def _sealed_rows() -> Iterator[dict[str, Any]]:
    query = AuditEvent.objects.filter(seq__isnull=False).order_by("seq")
    yield from query.values("id", "seq", "mac", *FIELDS).iterator(chunk_size=SEAL_BATCH)


def audit_verify(*, unsealed_grace: dt.timedelta = dt.timedelta(minutes=1)) -> Verdict:
    """Recompute the chain from the first row to the head (and the anchor file)."""
    current = chain_key()
    keys = chain_keys()
    verdict = Verdict()
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and head.key_id and head.key_id != key_id(current):
        verdict.problems.append(f"审计链密钥不符（链 {head.key_id}，当前 {key_id(current)}）。")
        return verdict
    segments = [(int(first), str(kid)) for first, kid in (head.segments if head else [])]
    missing = sorted({kid for _, kid in segments} - set(keys))
    if missing:
        verdict.problems.append(f"缺少审计链密钥 {'、'.join(missing)}，无法校验其所封的记录。")
        return verdict
    key, upcoming = current, list(segments)
    expected, previous = 0, GENESIS
    for row in _sealed_rows():
        while upcoming and upcoming[0][0] <= row["seq"]:
            key = keys[upcoming.pop(0)[1]]
        expected += 1
        if row["seq"] != expected:
            verdict.problems.append(
                f"第 {expected} 至 {row['seq'] - 1} 条审计记录缺失（记录 #{row['id']} 之前）。"
                if row["seq"] > expected
                else f"审计记录 #{row['id']} 的序号 {row['seq']} 重复。"
            )
            expected = row["seq"]
        if event_mac(key, row["seq"], previous, row) != row["mac"]:
            verdict.problems.append(f"审计记录 #{row['id']}（序号 {row['seq']}）已被改动。")
        previous = row["mac"]
        verdict.checked += 1
    head_seq, head_mac = (head.seq, head.mac or GENESIS) if head else (0, GENESIS)
    if (head_seq, head_mac) != (expected, previous):
        verdict.problems.append(
            f"审计链末端不符：链头记为第 {head_seq} 条，记录只到第 {expected} 条"
            "（末尾记录被删除或链头被改动）。"
        )
    anchor = _anchor_read()
    if anchor is not None and anchor[0] > head_seq:
        verdict.problems.append(
            f"数据库外的锚点记到第 {anchor[0]} 条，数据库只到第 {head_seq} 条（末尾记录被删除）。"
        )
    elif anchor is not None and anchor[0] == head_seq and anchor[1] != head_mac:
        verdict.problems.append("数据库外的锚点与链头不符。")
    old = timezone.now() - unsealed_grace
    verdict.unsealed = AuditEvent.objects.filter(seq__isnull=True).count()
    stale = AuditEvent.objects.filter(seq__isnull=True, created_at__lt=old).count()
    if stale:
        verdict.problems.append(f"{stale} 条审计记录超过一分钟仍未入链（运行 xueshi audit seal）。")
    return verdict
