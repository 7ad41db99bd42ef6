"""The raw archive: every response body, content-addressed by sha256, stored before parsing.

A body is written once (same bytes twice = no-op for the body); each fetch appends a metadata
record (URL, final URL, status, headers, fetched_at) beside it, so the history of where a document
was seen is never lost. HTTP validators (ETag / Last-Modified) per URL live in the same store so a
re-run asks the portal "changed since?" instead of downloading again.

A body cut at the size limit is kept as evidence with a ``truncated`` record, but it is not a
document: ``is_document`` is false and ``get`` refuses it (``NotADocument``) unless asked for the
fragment, so nothing downstream can parse half a report.

A write that fails (disk full, read-only, permissions) raises ``ArchiveError`` and leaves nothing
half-written: bodies go to a temp file that is fsynced and renamed into place (or removed), a torn
record line is cut back, and a body written by the failed ``put`` but never recorded is removed.

``ArchiveStore`` is the interface; ``Archive`` keeps it in a local folder. An object-storage
implementation only has to provide the primitives at the bottom of ``ArchiveStore``.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import json
import os
import tempfile
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

_SHA_CHARS = set("0123456789abcdef")
_write = os.write  # every byte the local archive writes goes through here (fault tests replace it)


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _check_sha(sha: str) -> str:
    if len(sha) != 64 or not set(sha) <= _SHA_CHARS:
        raise ValueError(f"not a sha256 hex digest: {sha!r}")
    return sha


class ArchiveError(OSError):
    """The archive could not be written; nothing half-written was left behind. ``errno`` is the
    cause's (ENOSPC for a full disk); the message names what, where and why."""

    @classmethod
    def of(cls, archive: object, what: str, cause: OSError) -> ArchiveError:
        code = errno.errorcode.get(cause.errno or 0, "")
        why = cause.strerror or str(cause)
        return cls(
            cause.errno,
            f"cannot write {what} to the archive {archive}: {why}{f' ({code})' if code else ''}; "
            "nothing half-written was kept",
        )

    def __str__(self) -> str:
        return self.strerror or super().__str__()


class NotADocument(KeyError):
    """The body is a fragment (an oversize response cut at the size limit), kept as evidence only."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "not a document"


def is_fragment(record: dict[str, Any]) -> bool:
    """Whether a fetch record describes a cut body rather than a document."""
    return bool(record.get("truncated"))


class ArchiveStore(ABC):
    """Content-addressed bodies + per-fetch metadata records + per-URL HTTP validators."""

    def put(self, body: bytes, meta: dict[str, Any]) -> str:
        """Store ``body`` (once) and append ``meta`` as a fetch record; return the sha256.
        ``ArchiveError`` when the store cannot be written (then neither body nor record is kept)."""
        sha = hashlib.sha256(body).hexdigest()
        record = {"fetched_at": utc_now(), **meta, "sha256": sha, "size": len(body)}
        record = json.loads(json.dumps(record, default=str, ensure_ascii=False))
        with self._writing(f"body {sha[:12]}… of {meta.get('url', '?')}"):
            wrote = False
            try:
                if not self._has_body(sha):
                    self._write_body(sha, body)
                    wrote = True
                self._append_record(sha, record)
            except OSError:
                if wrote and not self._read_records(sha):  # no body without a record of where from
                    self._delete_body(sha)
                raise
        return sha

    def get(self, sha: str, *, fragment: bool = False) -> bytes:
        """The stored document (``KeyError`` if absent; ``NotADocument``, a KeyError, for a body
        cut at the size limit unless ``fragment=True``)."""
        body = self._read_body(_check_sha(sha))
        if not fragment and not self.is_document(sha):
            raise NotADocument(f"{sha} is a body cut at the size limit, kept as evidence, not a document")
        return body

    def has(self, sha: str) -> bool:
        """Whether a body (document or fragment) is stored under ``sha``."""
        return self._has_body(_check_sha(sha))

    def is_document(self, sha: str) -> bool:
        """Stored and fetched whole at least once (a fragment's records are all ``truncated``)."""
        records = self.records(sha)
        return self._has_body(sha) and (not records or any(not is_fragment(r) for r in records))

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
            with self._writing(f"validators of {url}"):
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

    @contextmanager
    def _writing(self, what: str) -> Iterator[None]:
        """Turn a failed write into ``ArchiveError`` naming what could not be stored."""
        try:
            yield
        except ArchiveError:
            raise
        except OSError as e:
            raise ArchiveError.of(self, what, e) from e

    # -- primitives an implementation provides
    @abstractmethod
    def _has_body(self, sha: str) -> bool: ...

    @abstractmethod
    def _write_body(self, sha: str, body: bytes) -> None: ...

    @abstractmethod
    def _read_body(self, sha: str) -> bytes: ...

    @abstractmethod
    def _delete_body(self, sha: str) -> None: ...

    @abstractmethod
    def _append_record(self, sha: str, record: dict[str, Any]) -> None: ...

    @abstractmethod
    def _read_records(self, sha: str) -> list[dict[str, Any]]: ...

    @abstractmethod
    def _read_validators(self, url: str) -> dict[str, Any] | None: ...

    @abstractmethod
    def _write_validators(self, url: str, data: dict[str, Any]) -> None: ...


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[_write(fd, view) :]


def _fsync_dir(path: Path) -> None:
    """Make a rename or a new file in ``path`` durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Archive(ArchiveStore):
    """The archive in a local folder: ``objects/ab/<sha>``, ``records/ab/<sha>.jsonl``,
    ``validators/cd/<sha256(url)>.json``. Bodies are written atomically (temp file, fsync, rename,
    fsync of the folder; validators the same without the fsyncs), so concurrent fetchers (threads or processes) never see
    half a body and a crash or a full disk never leaves one; a record is one O_APPEND write, cut
    back if the write fails part-way."""

    def __init__(self, root: Path | str):
        self.root = Path(root)
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Archive({str(self.root)!r})"

    def __str__(self) -> str:
        return str(self.root)

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
    def _atomic_write(path: Path, data: bytes, *, durable: bool = True) -> None:
        """Temp file, fsync, rename, fsync of the folder. ``durable=False`` skips the fsyncs (still
        all or nothing; a crash may lose the file: for data that is only a cache)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            try:
                _write_all(fd, data)
                if durable:
                    os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        if durable:
            _fsync_dir(path.parent)

    def _has_body(self, sha: str) -> bool:
        return self.path(sha).is_file()

    def _write_body(self, sha: str, body: bytes) -> None:
        self._atomic_write(self.path(sha), body)

    def _read_body(self, sha: str) -> bytes:
        try:
            return self.path(sha).read_bytes()
        except FileNotFoundError:
            raise KeyError(f"{sha} is not in the archive at {self.root}") from None

    def _delete_body(self, sha: str) -> None:
        self.path(sha).unlink(missing_ok=True)

    def _append_record(self, sha: str, record: dict[str, Any]) -> None:
        p = self._records_path(sha)
        p.parent.mkdir(parents=True, exist_ok=True)
        line = (json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")
        with self._lock:
            fd = os.open(p, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                size = os.fstat(fd).st_size
                if size and os.pread(fd, 1, size - 1) != b"\n":  # a torn line (a crash mid-write)
                    line = b"\n" + line
                try:
                    _write_all(fd, line)  # one write of one line: O_APPEND keeps lines whole
                    os.fsync(fd)
                except OSError:
                    if os.fstat(fd).st_size > size:  # cut back what part of the line went out
                        os.ftruncate(fd, size)
                    if size == 0:  # the file this write created
                        p.unlink(missing_ok=True)
                    raise
            finally:
                os.close(fd)

    def _read_records(self, sha: str) -> list[dict[str, Any]]:
        p = self._records_path(sha)
        if not p.is_file():
            return []
        out = []
        for line in p.read_text("utf-8", errors="replace").splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:  # a line torn by a crash: not a record
                continue
        return out

    def _read_validators(self, url: str) -> dict[str, Any] | None:
        p = self._validators_path(url)
        try:
            return json.loads(p.read_text("utf-8"))
        except (FileNotFoundError, ValueError):
            return None

    def _write_validators(self, url: str, data: dict[str, Any]) -> None:
        data_bytes = json.dumps(data, ensure_ascii=False).encode("utf-8")
        # validators only spare a download: losing one in a crash costs one unconditional GET
        self._atomic_write(self._validators_path(url), data_bytes, durable=False)
