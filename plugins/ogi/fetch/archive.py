"""The raw archive: every response body, content-addressed by sha256, stored before parsing.

A body is written once (same bytes twice = no-op for the body); each fetch appends a metadata
record (URL, final URL, status, headers, fetched_at) beside it, so the history of where a document
was seen is never lost. HTTP validators (ETag / Last-Modified) per URL live in the same store so a
re-run asks the portal "changed since?" instead of downloading again.

``ArchiveStore`` is the interface; ``Archive`` keeps it in a local folder. An object-storage
implementation only has to provide the five primitives at the bottom of ``ArchiveStore``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tempfile
import threading
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

_SHA_CHARS = set("0123456789abcdef")


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _check_sha(sha: str) -> str:
    if len(sha) != 64 or not set(sha) <= _SHA_CHARS:
        raise ValueError(f"not a sha256 hex digest: {sha!r}")
    return sha


class ArchiveStore(ABC):
    """Content-addressed bodies + per-fetch metadata records + per-URL HTTP validators."""

    def put(self, body: bytes, meta: dict[str, Any]) -> str:
        """Store ``body`` (once) and append ``meta`` as a fetch record; return the sha256."""
        sha = hashlib.sha256(body).hexdigest()
        if not self._has_body(sha):
            self._write_body(sha, body)
        record = {"fetched_at": utc_now(), **meta, "sha256": sha, "size": len(body)}
        self._append_record(sha, json.loads(json.dumps(record, default=str, ensure_ascii=False)))
        return sha

    def get(self, sha: str) -> bytes:
        """The stored body (``KeyError`` if absent)."""
        return self._read_body(_check_sha(sha))

    def has(self, sha: str) -> bool:
        return self._has_body(_check_sha(sha))

    def records(self, sha: str) -> list[dict[str, Any]]:
        """Every fetch record of this body, oldest first."""
        return self._read_records(_check_sha(sha))

    def validators(self, url: str) -> dict[str, Any] | None:
        """The last ETag / Last-Modified (and body sha) seen for ``url``, if its body is still stored."""
        v = self._read_validators(url)
        if v and v.get("sha256") and self._has_body(v["sha256"]):
            return v
        return None

    def remember(self, url: str, *, sha256: str, etag: str | None, last_modified: str | None) -> None:
        """Record the validators of a 200 response so the next fetch can be conditional."""
        if etag or last_modified:
            self._write_validators(
                url,
                {
                    "url": url,
                    "sha256": sha256,
                    "etag": etag,
                    "last_modified": last_modified,
                    "stored_at": utc_now(),
                },
            )

    # -- primitives an implementation provides
    @abstractmethod
    def _has_body(self, sha: str) -> bool: ...

    @abstractmethod
    def _write_body(self, sha: str, body: bytes) -> None: ...

    @abstractmethod
    def _read_body(self, sha: str) -> bytes: ...

    @abstractmethod
    def _append_record(self, sha: str, record: dict[str, Any]) -> None: ...

    @abstractmethod
    def _read_records(self, sha: str) -> list[dict[str, Any]]: ...

    @abstractmethod
    def _read_validators(self, url: str) -> dict[str, Any] | None: ...

    @abstractmethod
    def _write_validators(self, url: str, data: dict[str, Any]) -> None: ...


class Archive(ArchiveStore):
    """The archive in a local folder: ``objects/ab/<sha>``, ``records/ab/<sha>.jsonl``,
    ``validators/cd/<sha256(url)>.json``. Writes are atomic (temp file + rename), so concurrent
    fetchers (threads or processes) never see half a body."""

    def __init__(self, root: Path | str):
        self.root = Path(root)
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Archive({str(self.root)!r})"

    def path(self, sha: str) -> Path:
        """Local file of a body (for readers that want a path)."""
        sha = _check_sha(sha)
        return self.root / "objects" / sha[:2] / sha

    def _records_path(self, sha: str) -> Path:
        return self.root / "records" / sha[:2] / f"{sha}.jsonl"

    def _validators_path(self, url: str) -> Path:
        key = hashlib.sha256(url.encode("utf-8")).hexdigest()
        return self.root / "validators" / key[:2] / f"{key}.json"

    @staticmethod
    def _atomic_write(path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def _has_body(self, sha: str) -> bool:
        return self.path(sha).is_file()

    def _write_body(self, sha: str, body: bytes) -> None:
        self._atomic_write(self.path(sha), body)

    def _read_body(self, sha: str) -> bytes:
        try:
            return self.path(sha).read_bytes()
        except FileNotFoundError:
            raise KeyError(f"{sha} is not in the archive at {self.root}") from None

    def _append_record(self, sha: str, record: dict[str, Any]) -> None:
        p = self._records_path(sha)
        p.parent.mkdir(parents=True, exist_ok=True)
        line = (json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")
        with self._lock, open(p, "ab") as f:  # one write of one line: O_APPEND keeps lines whole
            f.write(line)

    def _read_records(self, sha: str) -> list[dict[str, Any]]:
        p = self._records_path(sha)
        if not p.is_file():
            return []
        return [json.loads(line) for line in p.read_text("utf-8").splitlines() if line.strip()]

    def _read_validators(self, url: str) -> dict[str, Any] | None:
        p = self._validators_path(url)
        try:
            return json.loads(p.read_text("utf-8"))
        except (FileNotFoundError, ValueError):
            return None

    def _write_validators(self, url: str, data: dict[str, Any]) -> None:
        self._atomic_write(self._validators_path(url), json.dumps(data, ensure_ascii=False).encode("utf-8"))
