"""The filed classes a declaration is matched against, and the providers' proofs it can be
filled from: the declarations' side of a hook, as ``xueshi.standing`` is the ledger's.

A declaration (学时申报) is records' own, yet the classes a provider filed live in
``training`` and the proofs it issued in ``certificates``, both above records in the layers
(docs/adr/0005-layers.md). So records states here what it asks of them — the filed classes
a person may pick, one class's facts and whether the provider entered the person as passed,
a proof read back from its PDF or QR text — and the certificates app, which knows classes
and proofs, registers the catalogue that answers when Django starts
(``CertificatesConfig.ready``). Without one (records used alone) the form offers no class
and reads no proof: every declaration is free text, as before (docs/adr/0018).

What a declaration that names a class is compared with — the class, the roster, the proof —
and how the difference is told is records' own (``class_match``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from xueshi.people.models import Professional


@dataclass(frozen=True, slots=True)
class FiledClass:
    """A class a provider filed and the bureau approved, as a declaration names it."""

    class_plan_id: int
    title: str
    provider_id: int
    provider_name: str
    region_name: str
    category: str
    mode: str
    start_date: dt.date
    end_date: dt.date
    hours: Decimal
    filing_number: str

    @property
    def label(self) -> str:
        return (
            f"{self.title}（{self.provider_name}，{self.start_date:%Y-%m-%d}—"
            f"{self.end_date:%Y-%m-%d}，{self.hours.normalize():f} 学时，"
            f"备案 {self.filing_number}）"
        )


@dataclass(frozen=True, slots=True)
class ProofFacts:
    """A provider's proof read back and found genuine (its signature and, for a PDF, its
    printed text against the signed content), as signed."""

    number: str
    qr_text: str  # what identifies it again on the next request (the signed token)
    professional_id: int
    holder_name: str
    filed_class: FiledClass
    category: str
    start_date: dt.date
    end_date: dt.date
    hours: Decimal
    passed: bool
    in_effect: bool  # not superseded or withdrawn
    state: str  # 有效, 已换发, 已撤回


class ProofUnreadable(ValueError):
    """An uploaded proof (or QR text) that is not a genuine proof of this system: the
    message says why, in Chinese."""


class Catalogue(Protocol):
    def classes_offered(
        self, *, professional: Professional, year: int, query: str, limit: int
    ) -> Sequence[FiledClass]:
        """Filed and approved classes of the person's region (and the regions above it)
        ending in ``year``, matching ``query`` (title or provider), newest first."""
        ...

    def filed_class(self, *, professional: Professional, class_plan_id: int) -> FiledClass | None:
        """One class as ``classes_offered`` would offer it (any year), or None."""
        ...

    def on_roster(self, *, class_plan_id: int, professional_id: int) -> bool:
        """Whether the provider entered the person as passed in the class."""
        ...

    def proof_read(self, *, pdf: bytes | None = None, text: str = "") -> ProofFacts:
        """A proof from an uploaded PDF or its QR's text; ProofUnreadable otherwise."""
        ...

    def proof_file(self, *, number: str) -> tuple[str, bytes]:
        """The proof's PDF as the provider issued it (name, bytes): the declaration's
        evidence."""
        ...


_catalogue: Catalogue | None = None


def catalogue_register(catalogue: Catalogue) -> None:
    global _catalogue
    _catalogue = catalogue


def catalogue() -> Catalogue | None:
    return _catalogue
