"""Signed certificate payloads: valid ones verify, every alteration is refused."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from xueshi.certificates.signing import KeyRing, PayloadInvalid, sign, verify

CONTENT = {
    "no": "440500-2014-000001",
    "nm": "张三",
    "id": "4405**********1234",
    "y": 2014,
    "rg": "440500",
    "rn": "汕头市",
    "h": {"public": "20", "professional": "42", "elective": "12", "total": "74"},
    "ok": True,
    "iss": "汕头市人力资源和社会保障局",
    "dt": "2014-06-16",
    "pv": "sha256:54631087ed313cd5",
}


@pytest.fixture(scope="module")
def ring() -> KeyRing:
    keys = KeyRing()
    keys.generate("k20261121")
    return keys


def test_a_signed_payload_verifies_with_its_content(ring: KeyRing) -> None:
    payload = sign(CONTENT, ring)
    verified = verify(payload, ring)
    assert verified.content == CONTENT
    assert verified.kid == "k20261121"


def test_ten_thousand_random_mutations_are_all_refused(ring: KeyRing) -> None:
    """Change, insert, delete or swap characters anywhere: no altered payload verifies."""
    payload = sign(CONTENT, ring)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.="
    rng = random.Random(20261121)
    refused = 0
    for _ in range(10_000):
        chars = list(payload)
        for _ in range(rng.choice([1, 1, 1, 2, 3])):
            kind = rng.choice(["replace", "insert", "delete", "swap"])
            i = rng.randrange(len(chars))
            if kind == "replace":
                chars[i] = rng.choice(alphabet)
            elif kind == "insert":
                chars.insert(i, rng.choice(alphabet))
            elif kind == "delete" and len(chars) > 1:
                del chars[i]
            elif kind == "swap" and i + 1 < len(chars):
                chars[i], chars[i + 1] = chars[i + 1], chars[i]
        mutated = "".join(chars)
        if mutated == payload:
            continue
        with pytest.raises(PayloadInvalid):
            verify(mutated, ring)
        refused += 1
    assert refused > 9_500


def test_a_payload_signed_by_an_unknown_key_is_refused(ring: KeyRing) -> None:
    other = KeyRing()
    other.generate("k20991231")
    with pytest.raises(PayloadInvalid, match="未知"):
        verify(sign(CONTENT, other), ring)


def test_a_key_forged_under_a_known_key_id_is_refused(ring: KeyRing) -> None:
    forger = KeyRing()
    forger.generate("k20261121")  # same id, different key
    with pytest.raises(PayloadInvalid, match="签名校验失败"):
        verify(sign(CONTENT, forger), ring)


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ("", "不是本系统"),
        ("hello world", "不是本系统"),
        ("https://example.com/?c=1", "不是本系统"),
        ("XS1.k20261121.abc", "不完整"),
        ("XS1.k20261121.!!!.abc", "编码无效"),
        ("XS1.K/x.ab.cd", "密钥编号无效"),
        ("XS1." + "A" * 5000, "过长"),
    ],
)
def test_malformed_payloads_get_a_clear_answer(ring: KeyRing, payload: str, message: str) -> None:
    with pytest.raises(PayloadInvalid, match=message):
        verify(payload, ring)


def test_truncated_payloads_are_refused(ring: KeyRing) -> None:
    payload = sign(CONTENT, ring)
    for cut in range(1, len(payload), 7):
        with pytest.raises(PayloadInvalid):
            verify(payload[:cut], ring)


def test_keys_rotate_old_certificates_still_verify(tmp_path: Path) -> None:
    """A new key signs from now on; certificates signed by the old key still verify."""
    first = KeyRing()
    first.generate("k20250101", tmp_path)
    old = sign(CONTENT, first)
    second = KeyRing.load(tmp_path)
    second.generate("k20261121", tmp_path)
    reloaded = KeyRing.load(tmp_path)
    assert reloaded.active == "k20261121"
    assert verify(old, reloaded).kid == "k20250101"
    assert verify(sign(CONTENT, reloaded), reloaded).kid == "k20261121"
    assert (tmp_path / "k20261121.private.pem").stat().st_mode & 0o077 == 0


def test_unknown_or_missing_fields_cannot_be_signed(ring: KeyRing) -> None:
    with pytest.raises(ValueError, match="unknown"):
        sign({**CONTENT, "extra": 1}, ring)
    with pytest.raises(ValueError, match="missing"):
        sign({k: v for k, v in CONTENT.items() if k != "no"}, ring)


def test_the_newest_key_signs_even_past_nine_keys_in_a_day(tmp_path: Path) -> None:
    """``k20261121-10`` is newer than ``k20261121-9`` (not by the text's order)."""
    from xueshi.certificates.signing import kid_order

    ring = KeyRing()
    for kid in ["k20261120", "k20261121", *(f"k20261121-{n}" for n in range(2, 11))]:
        ring.generate(kid, tmp_path)
    assert KeyRing.load(tmp_path).active == "k20261121-10"
    assert sorted(["k20261121-10", "k20261122", "k20261121-2", "k20261121"], key=kid_order) == [
        "k20261121",
        "k20261121-2",
        "k20261121-10",
        "k20261122",
    ]


@pytest.mark.django_db
def test_xueshi_keys_rotate_is_seen_by_a_running_process_and_audited(
    settings: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str]
) -> None:
    """Another app server (here: the same process's cached ring) signs with the rotated key
    and verifies its payloads without a restart; ``keys list`` shows which key signs."""
    import os
    import time

    from django.core.management import call_command

    from xueshi.audit.models import AuditEvent
    from xueshi.certificates.keys import keyring, keys_dir

    first = keyring()
    old_kid = first.active
    old = sign(CONTENT, first)
    time.sleep(0.01)
    call_command("keys", "rotate")
    # Some filesystems keep the folder's time coarse: make the change visible as a new time.
    os.utime(keys_dir(), ns=(time.time_ns() + 10**9, time.time_ns() + 10**9))
    out = capsys.readouterr().out
    ring = keyring()
    assert ring.active != old_kid
    assert ring.active in out
    assert verify(old, ring).kid == old_kid
    assert verify(sign(CONTENT, ring), ring).kid == ring.active
    event = AuditEvent.objects.get(action="signing_key_rotate")
    assert (event.target_type, event.target_id) == ("certificates.signingkey", ring.active)
    assert event.data["previous"] == old_kid
    call_command("keys", "list")
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith(f"{ring.active}\t签名")
    assert any(line.startswith(f"{old_kid}\t可签名") for line in lines)


@pytest.mark.django_db
def test_a_key_rotated_elsewhere_is_picked_up_without_a_restart() -> None:
    import os
    import time

    from xueshi.certificates.keys import keyring, keys_dir

    before = keyring()
    assert keyring() is before  # cached while the folder is unchanged
    KeyRing().generate("k29990101", keys_dir())  # another app server rotates
    later = time.time_ns() + 10**9
    os.utime(keys_dir(), ns=(later, later))
    ring = keyring()
    assert ring.active == "k29990101"
    assert verify(sign(CONTENT, ring), ring).kid == "k29990101"
