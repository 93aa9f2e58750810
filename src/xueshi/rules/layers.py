"""Notices a bureau publishes itself, laid over the repository's policy.

The seed notices live in ``policy/`` (files, reviewed as code). A bureau's own notice — next
year's figures for its region — is kept elsewhere (the database) as the same two YAML
documents: its notice in ``notices.yaml``'s format and its figures in ``parameters.yaml``'s,
loaded by the same strict loader, so a draft fails with the same ``name:line`` errors a file
would.

A published notice is a *layer* over its region: for the days its entries are in force
they govern that region's parameters, and the entries beneath (the repository's, or an
earlier layer's) keep the days around them. Layers apply in the order given (publication
order): a later notice governs where two overlap. Gaps between two notices are not errors
here, unlike inside one file: between two yearly notices the standing rules apply.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .policy import (
    Entry,
    Notice,
    Policy,
    Region,
    Source,
    load_notices_source,
    load_parameters_source,
)
from .strict_yaml import PolicyError, line_of, load_text

_ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Layer:
    """One notice of a region, as its two documents."""

    region: str
    notices: Source
    parameters: Source


@dataclass(frozen=True, slots=True)
class LoadedLayer:
    layer: Layer
    notices: dict[str, Notice]  # the notice(s) the layer adds
    parameters: dict[str, list[Entry]]

    @property
    def notice(self) -> Notice:
        return next(iter(self.notices.values()))

    def years(self, until: int) -> tuple[int, ...]:
        """The calendar years its entries are in force in (an open end: up to ``until``)."""
        years: set[int] = set()
        for entries in self.parameters.values():
            for entry in entries:
                last = entry.end.year if entry.end is not None else max(until, entry.start.year)
                years.update(range(entry.start.year, last + 1))
        return tuple(sorted(years))


def layer_load(policy: Policy, layer: Layer) -> LoadedLayer:
    """Load and check one layer against ``policy`` (the policy it will be laid over): one
    new notice, not one of the policy's own; a known region; references to that notice or
    to the policy's. Raises PolicyError naming the document and the line."""
    region = policy.regions.get(layer.region)
    if region is None:
        raise PolicyError(f"未知的行政区划代码 “{layer.region}”", path=layer.parameters.path)
    notices = load_notices_source(layer.notices)
    if len(notices) != 1:
        raise PolicyError(
            f"应当只写一份文件（本次发布的通知），现有 {len(notices)} 份",
            path=layer.notices.path,
            line=1,
        )
    raw_notices = load_text(layer.notices.text, layer.notices.path)
    for notice_id in notices:
        if notice_id in policy.notices:
            raise PolicyError(
                f"文件编号 “{notice_id}” 已被现行政策使用，请另取一个编号",
                path=layer.notices.path,
                line=line_of(raw_notices, notice_id),
            )
    parameters = load_parameters_source(layer.parameters, {**policy.notices, **notices})
    if not parameters:
        raise PolicyError("没有任何参数条目 (no parameters)", path=layer.parameters.path, line=1)
    return LoadedLayer(layer, notices, parameters)


def with_layers(policy: Policy, layers: Iterable[LoadedLayer], *, tag: str = "") -> Policy:
    """``policy`` with ``layers`` laid over it, in order; a new Policy (the given one is not
    changed). Its version is the base's with the layers' texts hashed in; ``tag`` (e.g. the
    published versions' numbers) goes into the hash as well."""
    layers = list(layers)
    if not layers:
        return policy
    notices = dict(policy.notices)
    regions = {
        code: dataclasses.replace(r, parameters=dict(r.parameters))
        for code, r in policy.regions.items()
    }
    digest = hashlib.sha256(f"{policy.version}|{tag}".encode())
    for loaded in layers:
        layer = loaded.layer
        clash = set(loaded.notices) & set(notices)
        if clash:
            raise PolicyError(f"文件编号 {sorted(clash)} 重复", path=layer.notices.path, line=1)
        notices.update(loaded.notices)
        region: Region = regions[layer.region]
        for name, entries in loaded.parameters.items():
            region.parameters[name] = overlay(region.parameters.get(name, []), entries)
        for part in (
            layer.region,
            layer.notices.name,
            layer.notices.text,
            layer.parameters.name,
            layer.parameters.text,
        ):
            digest.update(part.encode())
            digest.update(b"\0")
    return Policy(
        policy.root,
        notices,
        regions,
        "sha256:" + digest.hexdigest()[:16],
        policy.calendar,
    )


def overlay(beneath: Sequence[Entry], above: Sequence[Entry]) -> list[Entry]:
    """The entries of one parameter at one level with ``above`` governing its days: each
    entry beneath keeps only the days no entry above covers (split in two where one falls
    inside it). Sorted by start; no two overlap."""
    result = list(above)
    for entry in beneath:
        pieces: list[tuple[dt.date, dt.date | None]] = [(entry.start, entry.end)]
        for top in above:
            pieces = [part for piece in pieces for part in _minus(piece, top.start, top.end)]
        result += [dataclasses.replace(entry, start=s, end=e) for s, e in pieces]
    return sorted(result, key=lambda e: e.start)


def _minus(
    piece: tuple[dt.date, dt.date | None], start: dt.date, end: dt.date | None
) -> list[tuple[dt.date, dt.date | None]]:
    """The days of ``piece`` outside [start, end] (None: no end)."""
    p_start, p_end = piece
    if (end is not None and end < p_start) or (p_end is not None and p_end < start):
        return [piece]  # no overlap
    parts: list[tuple[dt.date, dt.date | None]] = []
    if p_start < start:
        parts.append((p_start, start - _ONE_DAY))
    if end is not None and (p_end is None or end < p_end):
        parts.append((end + _ONE_DAY, p_end))
    return parts
