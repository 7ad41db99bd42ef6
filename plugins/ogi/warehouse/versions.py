"""Version planning: what loading a batch of documents does to their organ-years' report versions.

Pure (plain data in, plain data out, no database), so that the versioning rules of
``ogi.warehouse.load`` can be read in one place and tested without a warehouse: the loader reads the
stored versions, asks ``plan_versions`` and writes what it says. Per document, in batch order:

* the same document earlier in the batch: nothing (``DUPLICATE``);
* bytes already stored for the organ-year: ``CHECK_RESULTS`` when the parser version and status are the
  same (only the rule results may have changed), ``REPARSE`` when they differ (content replaced in
  place), ``KEEP`` when stored parsed content would be replaced by a quarantine (never erased);
* new bytes: ``INSERT`` version n+1. It becomes current and supersedes the current version (stored, or
  inserted earlier in the batch), unless it is quarantined and the current version is not: then it is
  kept as a non-current version.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ogi.model import ParseStatus

#: the actions of a ``Decision``
INSERT = "insert"
DUPLICATE = "duplicate"
CHECK_RESULTS = "check_results"
REPARSE = "reparse"
KEEP = "keep"


@dataclass(frozen=True)
class Incoming:
    """A document of the batch: its organ-year, bytes and parse status (parsed, partial, quarantined)."""

    organ_id: str
    year: int
    sha256: str
    status: str


@dataclass(frozen=True)
class Stored:
    """A report version already in the warehouse."""

    id: int
    organ_id: str
    year: int
    version: int
    sha256: str
    is_current: bool
    status: str
    parser_version: str | None


@dataclass(frozen=True)
class Decision:
    """What loading one document does. ``is_current``: whether its version (the stored one, or the one
    inserted) is current once the whole batch is loaded (a later document of the batch may supersede it)."""

    action: str
    #: the stored version of the same bytes (CHECK_RESULTS, REPARSE, KEEP)
    report_id: int | None = None
    #: INSERT: the new version's number
    version: int | None = None
    is_current: bool = False
    #: INSERT: it pushes out the organ-year's current version, which is the stored version
    #: ``supersedes_id`` or the INSERT at position ``supersedes_index`` of this batch
    supersedes: bool = False
    supersedes_id: int | None = None
    supersedes_index: int | None = None


@dataclass
class _Version:
    """A version as the plan goes: ``is_current`` changes when a later document supersedes it."""

    id: int | None
    sha256: str
    version: int
    is_current: bool
    status: str
    parser_version: str | None
    index: int | None = None  # position in the batch of the INSERT that made it


def plan_versions(docs: Sequence[Incoming], stored: Iterable[Stored], parser_version: str) -> list[Decision]:
    """One ``Decision`` per document of ``docs``, in order; ``stored``: the warehouse's versions of their
    organ-years (others are ignored); ``parser_version``: the parser that produced ``docs``."""
    versions: dict[tuple[str, int], list[_Version]] = {}
    for s in stored:
        versions.setdefault((s.organ_id, s.year), []).append(
            _Version(s.id, s.sha256, s.version, s.is_current, s.status, s.parser_version)
        )
    steps: list[tuple[str, _Version | None, dict[str, Any]]] = []
    seen: set[tuple[str, int, str]] = set()
    for i, d in enumerate(docs):
        if (d.organ_id, d.year, d.sha256) in seen:
            steps.append((DUPLICATE, None, {}))
            continue
        seen.add((d.organ_id, d.year, d.sha256))
        vs = versions.setdefault((d.organ_id, d.year), [])
        same = next((v for v in vs if v.sha256 == d.sha256), None)  # stored: the batch's are in ``seen``
        if same is not None:
            if d.status == ParseStatus.QUARANTINED and same.status != ParseStatus.QUARANTINED:
                action = KEEP  # bytes that parsed before do not parse now: keep the parsed content
            elif same.parser_version != parser_version or same.status != d.status:
                action = REPARSE
            else:
                action = CHECK_RESULTS
            steps.append((action, same, {"report_id": same.id}))
            continue
        current = next((v for v in vs if v.is_current), None)
        becomes_current = not (
            d.status == ParseStatus.QUARANTINED
            and current is not None
            and current.status != ParseStatus.QUARANTINED
        )
        new = _Version(
            None,
            d.sha256,
            max((v.version for v in vs), default=0) + 1,
            becomes_current,
            d.status,
            parser_version,
            index=i,
        )
        extra: dict[str, Any] = {"version": new.version}
        if becomes_current and current is not None:
            current.is_current = False
            extra |= {"supersedes": True, "supersedes_id": current.id, "supersedes_index": current.index}
        vs.append(new)
        steps.append((INSERT, new, extra))
    return [
        Decision(action, is_current=v is not None and v.is_current, **extra) for action, v, extra in steps
    ]
