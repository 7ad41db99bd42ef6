"""The parse store, beside the raw archive: one stored parse per document and parser version.

``OGI_HOME/parsed/<parser version>/<sha256>.json`` holds ``ParsedReport.to_dict(sections=True)`` (read
back with ``read_parsed``), or ``<sha256>.error.json`` (reason, message) when the document is
quarantined; the bytes come from the content-addressed archive (``OGI_HOME/archive``). The same bytes
are parsed once per parser version, whatever run or organ meets them.

Light at import time (standard library, ``ogi.config``, ``ogi.model``): the DAG's task glue imports it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ogi import config, stages
from ogi.model import ParsedReport, ParseError, ParseStatus

log = logging.getLogger(__name__)


def parsed_path(sha: str, *, error: bool = False) -> Path:
    from ogi.parse import PARSER_VERSION

    return config.home() / "parsed" / PARSER_VERSION / f"{sha}{'.error' if error else ''}.json"


def parse_archived(sha: str, *, filename: str | None, url: str | None, force: bool = False) -> dict[str, Any]:
    """Parse one archived document (or reuse the stored parse of the same bytes by the same parser
    version). Returns ``{"status", "path"}`` or ``{"status": "quarantined", "reason", "message"}``."""
    from ogi.fetch.archive import Archive

    ok, bad = parsed_path(sha), parsed_path(sha, error=True)
    if not force and ok.exists():
        meta = json.loads(ok.read_text("utf-8"))["_meta"]
        return {"status": meta["status"], "path": str(ok), **completeness_fields(meta.get("completeness"))}
    if not force and bad.exists():
        return {"status": ParseStatus.QUARANTINED, **json.loads(bad.read_text("utf-8"))}
    data = Archive(config.archive_dir()).get(sha)
    try:
        parsed = stages.parse_document(data, filename=filename, url=url)  # limits: ogi.parse.limits
    except ParseError as e:
        err = {"reason": e.reason, "message": e.message}
        write_json(bad, err)
        ok.unlink(missing_ok=True)
        return {"status": ParseStatus.QUARANTINED, **err}
    except Exception as e:  # a parser bug: quarantine this document, keep the batch going; not cached
        log.exception("parser failed on %s", sha)
        return {
            "status": ParseStatus.QUARANTINED,
            "reason": "parser_error",
            "message": f"{type(e).__name__}: {e}",
        }
    write_json(ok, parsed.to_dict(sections=True))  # the warehouse keeps the narrative sections
    bad.unlink(missing_ok=True)
    return {"status": parsed.status, "path": str(ok), **completeness_fields(parsed.completeness)}


def read_parsed(path: Path | str) -> ParsedReport:
    """A stored parse back as a ``ParsedReport`` (provenance and sections included)."""
    return ParsedReport.from_dict(json.loads(Path(path).read_text("utf-8")))


def completeness_fields(c: Mapping[str, Any] | None) -> dict[str, Any]:
    """What the run summary shows of the parse-completeness guard: printed table numbers not read
    into exactly one cell (such a report is partial)."""
    if not c:
        return {}
    return {"unaccounted": len(c.get("unaccounted", [])) + len(c.get("double", []))}


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` as UTF-8 JSON atomically (a temporary file renamed over ``path``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1, default=str), "utf-8")
    tmp.replace(path)
