"""The public verification of a certificate (核验): what anyone may read of it, by the QR
code's signed token (or, for certificates printed before it, signed content), or by its
number together with its verification code or its holder's name.

A number alone answers nothing, whether a certificate has it or not (numbers are sequential:
180 guesses once found every certificate). The page shows what a verifier needs — holder,
masked ID, years, hours, issuer, whether it is in force — and not why a certificate was
revoked or replaced.

The busiest read of the site: every scanned QR lands on its page (bench/verify_wrk.py).
One indexed query by number reads the certificate's shown fields and, as scalar
subqueries, the names it shows; on PostgreSQL that query is a prepared statement on the
connection. The answer is a ``Verification``; ``result_markup`` draws its result table from
templates/certificates/_verify_result.tmpl (see there why not the template engine).
"""

from __future__ import annotations

import functools
import hmac
import html
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Any, NotRequired, TypedDict
from urllib.parse import quote

from django.conf import settings
from django.core.cache import cache
from django.db import connection, connections, router
from django.db.models import Field
from django.http import HttpRequest
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from xueshi.accounts.network import client_address
from xueshi.certificates.keys import keyring
from xueshi.certificates.models import Certificate, CertificateStatus, Proof, ProofStatus
from xueshi.certificates.offline import payload_from_text
from xueshi.certificates.paths import stamp_lines
from xueshi.certificates.proof_pdf import rows_of
from xueshi.certificates.proof_selectors import (
    ProofRefused,
    is_proof_number,
    proof_by_code,
    proof_sheet,
)
from xueshi.certificates.selectors import HoursShown, hours_shown, stamp_text
from xueshi.certificates.signing import PayloadInvalid, stamps_check, verify
from xueshi.certificates.token import code_normalise, token_verify
from xueshi.db import fetchone_prepared
from xueshi.organisations.models import Employer, Region
from xueshi.people.models import Professional


class VerifiedCertificate(TypedDict):
    """A certificate as the public page shows it: the holder's ID number masked, every
    figure as text. A dict rather than a dataclass: the template engine tries a key before
    an attribute, and every attribute read after a failed key costs an exception (~0.01 ms
    a page, about 5 % of the view's time)."""

    kind: str  # 证书, or another signed document's name (成绩单)
    number: str
    verdict: str  # 有效, 尚未验证盖章, 已撤销, 已换发
    in_effect: bool
    holder_name: str
    holder_id_number: str  # masked
    years_label: str
    region_name: str
    employer_name: str
    hours: tuple[HoursShown, ...]
    issuer: str
    issued_on: str
    stamp: str  # without the reason of a revocation or replacement
    # Each step of its verification path: who, which body, when (a certificate's only).
    stamps: NotRequired[tuple[str, ...]]
    consequence: NotRequired[str]  # what the cycle it closes decides for the next year
    reissued_as: str  # the number of the certificate that superseded it, or ""
    policy_version: str


@dataclass(frozen=True, slots=True)
class Verification:
    """What the page says: the certificate (or a provider's proof) found, or why there is
    none (``error``)."""

    certificate: VerifiedCertificate | None = None
    error: str = ""
    signed: bool = False  # the QR's signature was checked against the key
    proof: VerifiedProof | None = None


class VerifiedProof(TypedDict):
    """A provider's proof (继续教育证明) as the public page shows it."""

    number: str
    verdict: str  # 有效, 已换发, 已撤回
    in_effect: bool
    rows: tuple[tuple[str, str], ...]


NOT_MATCHED = (
    "证书编号与核验码（或持证人姓名）不符，或没有该证书。请核对证书上的编号和核验码；"
    "扫描证书上的二维码也可核验。"
)
ASK = "请输入证书编号和核验码（或持证人姓名），或扫描证书上的二维码。"

# Other documents signed with the certificates' keys and verified on the same page (an online
# exam's 成绩单): an app above this one registers, for its numbers' prefix, a finder that
# returns what the page shows and the document's verification code, or None.
DocumentFinder = Callable[[str], tuple[VerifiedCertificate, str] | None]
_documents: dict[str, DocumentFinder] = {}


def document_kind_register(prefix: str, finder: DocumentFinder) -> None:
    """Verify documents whose number starts with ``prefix`` by ``finder`` (at start-up)."""
    _documents[prefix.upper()] = finder


def _document(number: str) -> tuple[VerifiedCertificate, str] | bool | None:
    """A registered document's shown fields and code; None if its kind has no such number;
    False if the number is no registered kind's (a certificate's)."""
    for prefix, finder in _documents.items():
        if number.startswith(prefix):
            return finder(number)
    return False


def _document_verification(
    found: tuple[VerifiedCertificate, str] | None, *, code: str, name: str, signed: bool
) -> Verification:
    if found is None:
        if signed:
            return Verification(error="签名有效，但本系统中没有该编号的文件。", signed=True)
        return Verification(error=NOT_MATCHED)
    shown, stored = found
    if code:
        same = hmac.compare_digest(stored.encode(), code_normalise(code).encode())
    else:
        holder = "".join(shown["holder_name"].split()).encode()
        same = bool(holder) and hmac.compare_digest(holder, "".join(name.split()).encode())
    if signed:
        error = "" if same else "该二维码与系统中登记的文件不一致。"
        return Verification(shown, error=error, signed=True)
    return Verification(shown) if same else Verification(error=NOT_MATCHED)


def certificate_verification(
    *, text: str = "", number: str = "", code: str = "", name: str = "", token: str = ""
) -> Verification:
    """The answer to a scan (the QR's signed ``token``, or the signed content ``text`` of an
    older certificate), or to a typed ``number`` with its ``code`` or its holder's ``name``."""
    if token or text:
        try:
            if token:
                signed = token_verify(token, keyring())
                number, same = signed.number, _same_code(signed.code)
            else:
                number, same = (
                    verify(payload_from_text(text), keyring()).number,
                    _same_payload(text),
                )
        except PayloadInvalid as exc:
            return Verification(error=str(exc))
        if token and is_proof_number(number):
            return proof_verification(number=number, code=signed.code, signed=True)
        if token:
            document = _document(number)
            if document is not False:
                assert document is not True
                return _document_verification(document, code=signed.code, name="", signed=True)
        found = certificate_lookup(number)
        if found is None:
            return Verification(error="签名有效，但本系统中没有该编号的证书。", signed=True)
        error = "" if same(found[0]) else "该二维码与系统中登记的证书不一致。"
        return Verification(_shown(*found), error=error, signed=True)
    if number and is_proof_number(number):
        return proof_verification(number=number, code=code) if code else Verification(error=ASK)
    if number and (code or name):
        document = _document(number.upper())
        if document is not False:
            assert document is not True
            return _document_verification(document, code=code, name=name, signed=False)
        found = certificate_lookup(number.upper())
        if found is None or not _matches(found, code=code, name=name):
            return Verification(error=NOT_MATCHED)
        return Verification(_shown(*found))
    return Verification(error=ASK)


TOO_MANY = "查询过于频繁，请稍后再试。扫描证书上的二维码核验不受此限制。"


def proof_verification(*, number: str, code: str, signed: bool = False) -> Verification:
    """A provider's proof by its number and code (typed, or the QR's signed token): what it
    says as signed, and whether it is still in effect (not superseded or withdrawn; not why)."""
    try:
        read = proof_by_code(number, code)
    except ProofRefused as exc:
        return Verification(error=str(exc), signed=signed)
    proof = read.proof
    sheet = proof_sheet(proof)
    rows = (
        ("证明名称", sheet.title),
        *rows_of(sheet),
        ("出具日期", f"{proof.issued_on:%Y-%m-%d}"),
        ("出具依据", sheet.basis),
    )
    if proof.status == ProofStatus.SUPERSEDED:
        newer = Proof.objects.filter(reissue_of=proof).values_list("number", flat=True).first()
        rows += (("换发后的证明", newer or "—"),)
    return Verification(
        proof=VerifiedProof(
            number=proof.number,
            verdict=str(proof.get_status_display()),
            in_effect=read.in_effect,
            rows=rows,
        ),
        signed=signed,
    )


def lookup_allowed(request: HttpRequest) -> bool:
    """Whether this client address may make one more typed look-up: at most
    ``settings.XUESHI_VERIFY_LOOKUPS`` in a window of ``XUESHI_VERIFY_WINDOW`` seconds, counted
    in Django's cache (one shared cache, e.g. the database's, when there are several app
    servers: docs/deploy.md)."""
    address = client_address(request) or "unknown"
    key = f"xueshi:verify-lookups:{address}"
    window = int(settings.XUESHI_VERIFY_WINDOW)
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between the two calls
        cache.set(key, 1, timeout=window)
        count = 1
    return count <= int(settings.XUESHI_VERIFY_LOOKUPS)


def _same_code(code: str) -> Callable[[Certificate], bool]:
    """A token's code is the one the certificate holds."""
    return lambda c: hmac.compare_digest(c.verification_code.encode(), code.encode())


def _same_payload(text: str) -> Callable[[Certificate], bool]:
    """An older QR's content is the certificate's (a replaced or revoked one says so anyway)."""
    return lambda c: c.payload == text or c.status != CertificateStatus.VALID


def _matches(found: tuple[Certificate, dict[str, str]], *, code: str, name: str) -> bool:
    """The code printed on the certificate, or the holder's name as written (spaces aside)."""
    certificate, names = found
    if code:
        stored = certificate.verification_code
        return bool(stored) and hmac.compare_digest(stored.encode(), code_normalise(code).encode())
    holder = "".join((names["holder_name"] or "").split()).encode()
    return bool(holder) and hmac.compare_digest(holder, "".join(name.split()).encode())


def _shown(certificate: Certificate, names: dict[str, str]) -> VerifiedCertificate:
    status = certificate.status
    reissued = None
    if status == CertificateStatus.SUPERSEDED:
        reissued = getattr(certificate, "reissued_as", None)
    in_effect = certificate.in_effect
    stamps: tuple[str, ...] = ()
    if status != CertificateStatus.VALID:
        verdict = certificate.get_status_display()
        stamp = str(verdict)  # not why: the reason is for the holder and the bureau
    else:
        verdict = "有效" if in_effect else "尚未验证盖章"
        stamp = stamp_text(certificate)
        if certificate.path:
            verdict = "有效" if in_effect else "尚未完成验证"
            stamps = stamp_lines(certificate)
            broken = stamps_check(
                list(certificate.stamps or []),
                keyring(),
                number=certificate.number,
                payload=certificate.payload,
            )
            if broken is not None:
                # A stamp altered, moved, reordered or added outside the service: not taken.
                in_effect = False
                verdict = "验证记录与签名不符"
                stamp = f"第 {broken + 1} 条验证记录与其签名不符（被改动或伪造），不予采信"
                stamps = (*stamps[:broken], f"{stamps[broken]}（与签名不符，不予采信）")
    return VerifiedCertificate(
        kind="证书",
        number=certificate.number,
        verdict=verdict,
        in_effect=in_effect,
        holder_name=names["holder_name"],
        holder_id_number=names["holder_id_number"],  # stored masked
        years_label=certificate.years_label,
        region_name=names["region_name"],
        employer_name=names["employer_name"] or "—",
        hours=hours_shown(certificate.hours),
        issuer=certificate.issuer,
        issued_on=f"{timezone.localtime(certificate.issued_at):%Y-%m-%d}",
        stamp=stamp,
        stamps=stamps,
        consequence=certificate.consequence,
        reissued_as=reissued.number if reissued is not None else "",
        policy_version=certificate.policy_version,
    )


# The columns the public page shows, and the names it shows, in one indexed query by number.
# Written out once rather than built by the ORM on every request: on the page that takes
# the load, compiling a select_related query cost ~1 ms, running this one ~0.1 ms on SQLite
# (bench/verify_wrk.py).
SHOWN_FIELDS = (
    "id",
    "number",
    "status",
    "years_label",
    "hours",
    "issuer",
    "issued_at",
    "policy_version",
    "stamp_required",
    "stamp_by_role",
    "stamped_at",
    "payload",
    "verification_code",
    "path",
    "stamps",
    "consequence",
)
SHOWN_NAMES = ("holder_name", "holder_id_number", "region_name", "employer_name")

Converter = Callable[[Any, Any, Any], Any]


@functools.cache
def _query(vendor: str) -> tuple[str, list[str], list[tuple[Any, list[Converter]]]]:
    """The SQL, the certificate's fields it reads (in the model's order, as ``from_db``
    wants them) and their converters, as the ORM would apply them (JSON, datetimes, SQLite's
    booleans)."""
    q = connection.ops.quote_name
    meta = Certificate._meta
    fields = [f for f in meta.concrete_fields if f.name in SHOWN_FIELDS]
    columns = []
    converters: list[tuple[Any, list[Converter]]] = []
    for field in fields:
        assert isinstance(field, Field)
        col = field.get_col(meta.db_table)
        columns.append(f"c.{q(field.column)}")
        converters.append(
            (col, connection.ops.get_db_converters(col) + col.get_db_converters(connection))
        )
    # The names as scalar subqueries by primary key rather than joins: PostgreSQL plans them
    # in less than half the time of a four-table join (~0.45 against ~0.7 ms a lookup).
    person, region, employer = (q(m._meta.db_table) for m in (Professional, Region, Employer))
    masked = q("id_number_masked")  # the ID number as shown: the column holds it masked
    names = (
        f"(SELECT {q('full_name')} FROM {person} WHERE {q('id')} = c.{q('professional_id')})",  # nosec B608
        f"(SELECT {masked} FROM {person} WHERE {q('id')} = c.{q('professional_id')})",  # nosec B608
        f"(SELECT {q('name')} FROM {region} WHERE {q('code')} = c.{q('region_id')})",  # nosec B608
        f"(SELECT {q('name')} FROM {employer} WHERE {q('id')} = c.{q('employer_id')})",  # nosec B608
    )
    sql = (
        f"SELECT {', '.join(columns)}, {', '.join(names)} FROM {q(meta.db_table)} c"  # nosec B608
        f" WHERE c.{q('number')} = %s"
    )
    return sql, [f.attname for f in fields], converters


def certificate_lookup(number: str) -> tuple[Certificate, dict[str, str]] | None:
    """The certificate of that number (only the fields the page shows loaded), and the
    names it shows: the holder's name and masked ID number, the region's, the employer's."""
    # The primary, or a streaming replica when the page reads from one (xueshi.db.replica).
    db = connections[router.db_for_read(Certificate)]
    sql, attnames, converters = _query(db.vendor)
    # A prepared statement on PostgreSQL: 0.71 → 1.05 of a bare lookup (bench/verify_wrk.py).
    row = fetchone_prepared(sql, [number], using=db.alias)
    if row is None:
        return None
    values = []
    for value, (col, functions) in zip(row, converters, strict=False):
        for convert in functions:
            value = convert(value, col, db)
        values.append(value)
    certificate = Certificate.from_db(db.alias, attnames, values)
    return certificate, dict(zip(SHOWN_NAMES, row[len(attnames) :], strict=True))


# --- The result table, drawn ----------------------------------------------------------------

RESULT_TEMPLATE = Path(__file__).parent / "templates" / "certificates" / "_verify_result.tmpl"


@functools.cache
def _sections() -> dict[str, Template]:
    """The template file's sections by name (comment lines start with "## ")."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in RESULT_TEMPLATE.read_text(encoding="utf-8").splitlines(keepends=True):
        if line.startswith("## section "):
            current = sections.setdefault(line.removeprefix("## section ").strip(), [])
        elif line.startswith("## "):
            continue
        elif current is not None:
            current.append(line)
    return {name: Template("".join(lines)) for name, lines in sections.items()}


def result_markup(verification: Verification) -> SafeString:
    """The result table of ``verification`` as HTML, every value escaped ("" without one)."""
    e = html.escape
    t = _sections()
    proof = verification.proof
    if proof is not None:
        row = t["row"].substitute
        return mark_safe(  # nosec B308 B703
            t["proof"].substitute(
                number=e(proof["number"]),
                verdict_class="good" if proof["in_effect"] else "bad",
                verdict=e(proof["verdict"]),
                rows="".join(row(label=e(label), value=e(value)) for label, value in proof["rows"]),
                signed=t["signed"].substitute() if verification.signed else "",
            )
        )
    shown = verification.certificate
    if shown is None:
        return mark_safe("")  # nosec B308
    row = t["row"].substitute
    reissued = shown["reissued_as"]
    markup = t["result"].substitute(
        kind=e(shown["kind"]),
        number=e(shown["number"]),
        verdict_class="good" if shown["in_effect"] else "bad",
        verdict=e(shown["verdict"]),
        holder_name=e(shown["holder_name"]),
        holder_id_number=e(shown["holder_id_number"]),
        years_label=e(shown["years_label"]),
        region_name=e(shown["region_name"]),
        employer_name=e(shown["employer_name"]),
        hours="".join(row(label=e(h["label"]), value=e(h["figure"])) for h in shown["hours"]),
        issuer=e(shown["issuer"]),
        issued_on=e(shown["issued_on"]),
        stamp=e(shown["stamp"]),
        stamps="".join(t["stamp_row"].substitute(line=e(line)) for line in shown.get("stamps", ())),
        consequence=(
            t["consequence"].substitute(text=e(shown.get("consequence", "")))
            if shown.get("consequence")
            else ""
        ),
        reissued_as=(
            t["reissued_as"].substitute(
                number=e(reissued),
                number_query=e(quote(reissued)),
                name_query=e(quote(shown["holder_name"])),
            )
            if reissued
            else ""
        ),
        policy_version=e(shown["policy_version"]),
        signed=t["signed"].substitute() if verification.signed else "",
    )
    return mark_safe(markup)  # nosec B308 B703
