"""国密 beside Ed25519 (issue 14 item 6): one signer interface, the algorithm in the key id
(``sm2-…``); certificates, their QR tokens and the revocation list are signed and verified
with either, online and offline; SM2 keys and signatures are those of OpenSSL 3."""

from __future__ import annotations

import random
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cryptography.exceptions import InvalidSignature
from django.core.management import call_command

from tests.certificates.test_signing import CONTENT
from tests.certificates.test_verify_page import issued_to, revoke
from xueshi.certificates import offline
from xueshi.certificates.algorithms import (
    ED25519,
    SM2,
    Sm2Private,
    Sm2Public,
    algorithm_of,
    generate,
)
from xueshi.certificates.keys import keyring
from xueshi.certificates.management.commands.revocations import revocation_list
from xueshi.certificates.pdf import render
from xueshi.certificates.qr import qr_matrix, qr_mode
from xueshi.certificates.selectors import certificate_sheet, qr_url
from xueshi.certificates.signing import KeyRing, PayloadInvalid, kid_new, kid_order, sign, verify
from xueshi.certificates.token import token_from_text, token_sign, token_verify


@pytest.fixture(scope="module")
def ring() -> KeyRing:
    keys = KeyRing()
    keys.generate("sm2-k20261205")
    return keys


def test_the_key_id_names_the_algorithm() -> None:
    assert algorithm_of("sm2-k20261205") == SM2
    assert algorithm_of("k20261205") == ED25519
    assert algorithm_of("k20261205-2") == ED25519


@pytest.mark.parametrize("algorithm", [ED25519, SM2])
def test_either_algorithm_signs_in_64_bytes_that_only_its_key_verifies(algorithm: str) -> None:
    key, other = generate(algorithm), generate(algorithm)
    signature = key.sign(b"XS2.K20261205.440500201400000001.7KQ3MZ2D")
    assert len(signature) == 64
    key.public_key().verify(signature, b"XS2.K20261205.440500201400000001.7KQ3MZ2D")
    with pytest.raises(InvalidSignature):
        key.public_key().verify(signature, b"XS2.K20261205.440500201400000002.7KQ3MZ2D")
    with pytest.raises(InvalidSignature):
        other.public_key().verify(signature, b"XS2.K20261205.440500201400000001.7KQ3MZ2D")


def test_sm2_signatures_use_a_fresh_nonce_each_time() -> None:
    """The same message twice gives two different signatures (a repeated nonce would give
    away the private key)."""
    key = Sm2Private.generate()
    first, second = key.sign(b"same"), key.sign(b"same")
    assert first != second
    key.public_key().verify(first, b"same")
    key.public_key().verify(second, b"same")


def test_sm2_refuses_r_or_s_out_of_range_and_points_off_the_curve() -> None:
    key = Sm2Private.generate()
    signature = key.sign(b"data")
    n = bytes.fromhex("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123")
    for forged in (bytes(32) + signature[32:], signature[:32] + bytes(32), n + signature[32:]):
        with pytest.raises(InvalidSignature):
            key.public_key().verify(forged, b"data")
    point = key.public_key().raw()[1:]
    with pytest.raises(ValueError, match="curve"):
        Sm2Public(point[:63] + bytes([point[63] ^ 1]))


def test_an_sm2_payload_verifies_and_mutations_are_refused(ring: KeyRing) -> None:
    payload = sign(CONTENT, ring)
    assert payload.startswith("XS1.sm2-k20261205.")
    assert verify(payload, ring).content == CONTENT
    rng = random.Random(20261205)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    refused = 0
    for _ in range(200):
        i = rng.randrange(len(payload))
        mutated = payload[:i] + rng.choice(alphabet) + payload[i + 1 :]
        if mutated != payload:
            with pytest.raises(PayloadInvalid):
                verify(mutated, ring)
            refused += 1
    assert refused > 180


def test_an_sm2_key_forged_under_a_known_key_id_is_refused(ring: KeyRing) -> None:
    forger = KeyRing()
    forger.generate("sm2-k20261205")
    with pytest.raises(PayloadInvalid, match="签名校验失败"):
        verify(sign(CONTENT, forger), ring)
    token = token_sign(number="440500201400000001", code="7KQ3MZ2D", ring=forger)
    with pytest.raises(PayloadInvalid, match="签名校验失败"):
        token_verify(token, ring)


def test_an_sm2_token_is_as_long_as_an_ed25519_one_and_stays_alphanumeric(ring: KeyRing) -> None:
    ed = KeyRing()
    ed.generate("k20261205")
    sm2_token = token_sign(number="440500201400000001", code="7KQ3MZ2D", ring=ring)
    ed_token = token_sign(number="440500201400000001", code="7KQ3MZ2D", ring=ed)
    assert len(sm2_token) == len(ed_token) + len("SM2-")
    assert sm2_token.startswith("SM2-K20261205.")
    assert qr_mode(f"HTTP://127.0.0.1:8000/V/{sm2_token}") == "alphanumeric"
    signed = token_verify(sm2_token.lower(), ring)  # as a reader may return it
    assert (signed.kid, signed.number, signed.code) == (
        "sm2-k20261205",
        "440500201400000001",
        "7KQ3MZ2D",
    )


def test_one_ring_holds_both_algorithms_and_the_newest_key_signs(tmp_path: Path) -> None:
    ring = KeyRing()
    ring.generate("k20261204", tmp_path)
    old = sign(CONTENT, ring)
    kid = kid_new("k20261205", SM2, set(ring.public))
    assert kid == "sm2-k20261205"
    ring.generate(kid, tmp_path)
    # A second key of the day, of either algorithm, is numbered after both.
    assert kid_new("k20261205", ED25519, set(KeyRing.load(tmp_path).public)) == "k20261205-2"
    loaded = KeyRing.load(tmp_path)
    assert loaded.active == "sm2-k20261205"
    assert verify(old, loaded).kid == "k20261204"
    assert verify(sign(CONTENT, loaded), loaded).kid == "sm2-k20261205"
    assert sorted(["k20261205-2", "sm2-k20261205", "k20261204"], key=kid_order) == [
        "k20261204",
        "sm2-k20261205",
        "k20261205-2",
    ]
    assert (tmp_path / "sm2-k20261205.private.pem").stat().st_mode & 0o077 == 0
    # A public file of the wrong algorithm for its id is ignored, not trusted.
    (tmp_path / "sm2-k20261206.public.pem").write_bytes(
        (tmp_path / "k20261204.public.pem").read_bytes()
    )
    assert "sm2-k20261206" not in KeyRing.load(tmp_path).public


def _openssl_sm2() -> bool:
    if shutil.which("openssl") is None:
        return False
    probe = subprocess.run(
        ["openssl", "list", "-signature-algorithms"], capture_output=True, text=True, check=False
    )
    return "SM2" in probe.stdout


@pytest.mark.skipif(not _openssl_sm2(), reason="openssl with SM2 is not installed")
def test_sm2_keys_and_signatures_are_those_of_openssl(tmp_path: Path) -> None:
    """OpenSSL 3 reads the PEM files, verifies our signature (DER-wrapped) and signs one we
    verify: SM2 with SM3 and the default signer id of GB/T 35276."""
    from Cryptodome.Util.asn1 import DerSequence

    ring = KeyRing()
    ring.generate("sm2-k20261205", tmp_path)
    key = ring.private["sm2-k20261205"]
    message = tmp_path / "message"
    message.write_bytes("证书 440500201400000001".encode())
    raw = key.sign(message.read_bytes())
    der = tmp_path / "ours.der"
    der.write_bytes(DerSequence([int.from_bytes(raw[:32]), int.from_bytes(raw[32:])]).encode())
    common = ["-rawin", "-in", str(message), "-digest", "sm3", "-pkeyopt"]
    distid = "distid:1234567812345678"
    public, private = tmp_path / "sm2-k20261205.public.pem", tmp_path / "sm2-k20261205.private.pem"
    verify_argv = ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", str(public)]
    verified = subprocess.run(
        [*verify_argv, "-sigfile", str(der), *common, distid],
        capture_output=True,
        text=True,
        check=False,
    )
    assert "Signature Verified Successfully" in verified.stdout, verified.stderr
    theirs = tmp_path / "theirs.der"
    sign_argv = ["openssl", "pkeyutl", "-sign", "-inkey", str(private)]
    subprocess.run(
        [*sign_argv, "-out", str(theirs), *common, distid],
        check=True,
    )
    sequence = DerSequence()
    sequence.decode(theirs.read_bytes())
    signature = int(sequence[0]).to_bytes(32, "big") + int(sequence[1]).to_bytes(32, "big")
    key.public_key().verify(signature, message.read_bytes())


@pytest.mark.django_db
def test_a_certificate_signed_with_sm2_verifies_online_and_offline(
    settings: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """After ``xueshi keys rotate --algorithm sm2`` a certificate's QR carries an SM2 token
    (still version ≤ 10), the offline verifier checks it and an SM2-signed revocation list;
    certificates signed before with Ed25519 keep verifying."""
    before = issued_to("陈一")
    printed_before = tmp_path / "before.pdf"
    printed_before.write_bytes(render([certificate_sheet(before)]))
    call_command("keys", "rotate", "--algorithm", "sm2")
    ring = keyring()
    assert ring.active is not None
    assert ring.active.startswith("sm2-k")
    listing = capsys.readouterr().out
    assert ring.active in listing
    call_command("keys", "list")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"{ring.active}\t签名\tSM2\t")
    assert any("\tED25519\t" in line for line in lines[1:])

    after = issued_to("陈二", "汕头市第二中学")
    url = qr_url(after)
    assert f"/V/{ring.active.upper()}." in url
    assert (qr_matrix(url).shape[0] - 17) // 4 <= 10
    assert token_verify(token_from_text(url) or "", ring).number == after.number

    keys = str(settings.XUESHI_KEYS_DIR)
    assert offline.main([str(printed_before), "--keys", keys]) == offline.SIGNED_ONLY
    assert "密钥 k" in capsys.readouterr().out  # printed under the Ed25519 key
    pdf = tmp_path / "certificate.pdf"
    pdf.write_bytes(render([certificate_sheet(after)]))
    assert offline.main([str(pdf), "--keys", keys]) == offline.SIGNED_ONLY
    assert ring.active in capsys.readouterr().out
    listed = tmp_path / "revocations.txt"
    revoke(after, "错发")
    listed.write_text(revocation_list())
    assert listed.read_text().startswith(f"XSR1.{ring.active}.")
    assert offline.main([str(pdf), "--keys", keys, "--revocations", str(listed)]) == offline.REVOKED
    # Offline with only the public keys: the private ones stay on the server.
    public_only = tmp_path / "public"
    public_only.mkdir()
    for path in Path(keys).glob("*.public.pem"):
        shutil.copy(path, public_only / path.name)
    assert offline.main([str(pdf), "--keys", str(public_only)]) == offline.SIGNED_ONLY
