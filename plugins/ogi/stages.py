"""The stage core: parse a document, validate a batch, give each load item its own results, load.

Every caller goes through these functions: the DAG's tasks (``ogi.pipeline``, which adds the parse store
and the run folder between them), ``ogi load`` (``ogi.warehouse.commands.cmd_load``) and the national
benchmark (``ogi_dev.bench.national``). Documents are keyed by ``ogi.model.document_key`` (organ/year@sha256)
from validation to load, so rule results follow the document they were computed on; keys are built and
split only in ``ogi.model``.

The standard library only at import time (the DAG file and ``ogi --help`` stay fast); each stage imports
its libraries when called.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ogi.model import ParsedReport, RuleResult
    from ogi.validate.run import ValidationRun
    from ogi.warehouse.load import LoadItem, LoadResult, RunInfo


def parse_document(
    data: bytes, *, filename: str | None, url: str | None = None, bounded: bool = True
) -> ParsedReport:
    """One document's bytes as a ``ParsedReport``; raises ``ogi.model.ParseError`` when unusable.

    ``bounded`` (the DAG and ``ogi load``) parses in a forked worker under the per-document limits of
    ``ogi.parse.limits``; ``bounded=False`` parses in this process (the national benchmark, whose
    published figures were measured that way)."""
    if bounded:
        from ogi.parse.limits import parse_bytes_bounded

        return parse_bytes_bounded(data, filename=filename, url=url)
    from ogi.parse import parse_bytes

    return parse_bytes(data, filename=filename, url=url)


def validate_documents(
    parsed: Mapping[str, ParsedReport], *, data_docs_dir: Path | str | None = None
) -> ValidationRun:
    """One Great Expectations run over parsed documents keyed by document key. Data Docs are written to
    ``data_docs_dir`` when given, else not at all."""
    from ogi.validate.run import validate_batch

    if data_docs_dir is None:
        return validate_batch(parsed, data_docs=False)
    return validate_batch(parsed, data_docs_dir=Path(data_docs_dir))


def results_by_document(results: Iterable[RuleResult]) -> dict[str, list[RuleResult]]:
    """Rule results grouped by the document key they were computed under (``RuleResult.report``)."""
    out: dict[str, list[RuleResult]] = defaultdict(list)
    for r in results:
        out[r.report].append(r)
    return dict(out)


def with_results(items: Sequence[LoadItem], results: Mapping[str, Sequence[RuleResult]]) -> list[LoadItem]:
    """Each load item with the rule results of its own document (never another of its organ-year)."""
    return [dataclasses.replace(it, results=tuple(results.get(it.document_key, ()))) for it in items]


def load_documents(engine, items: Sequence[LoadItem], *, run: RunInfo) -> LoadResult:
    """Write one batch of documents (parsed or quarantined) to the warehouse in one transaction."""
    from ogi.warehouse.load import load_batch

    return load_batch(engine, items, run=run)


def validate_and_load(
    engine, items: Sequence[LoadItem], *, run: RunInfo, data_docs_dir: Path | str | None = None
) -> tuple[list[LoadItem], LoadResult]:
    """Validate the parsed documents of ``items`` in one run, give each item its own results and load
    them all: the sequence ``ogi load`` and the benchmark run in one process (the DAG runs the same
    steps as separate tasks). Returns the items as loaded (with results) and the load result."""
    parsed = {it.document_key: it.parsed for it in items if it.parsed is not None}
    results = validate_documents(parsed, data_docs_dir=data_docs_dir).results if parsed else []
    loaded = with_results(items, results_by_document(results))
    return loaded, load_documents(engine, loaded, run=run)
