"""Archive faults: a full disk is reported and leaves nothing half-written; a body cut at the size
limit is evidence, never a document; a record line torn by a crash does not poison the next."""

from __future__ import annotations

import errno
import os
import subprocess
from pathlib import Path

import pytest

from ogi.fetch import archive as archive_mod
from ogi.fetch.archive import Archive, ArchiveError, NotADocument

META = {"url": "https://www.t.gov.cn/a.pdf", "status": 200}


def files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def disk_full_after(n: int):
    """A low-level write that accepts ``n`` more bytes (short writes included), then ENOSPC."""
    room = [n]

    def write(fd: int, data) -> int:
        if room[0] <= 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        k = min(len(data), room[0])
        room[0] -= k
        return os.write(fd, bytes(data[:k]))

    return write


@pytest.mark.parametrize("room", [0, 10, 100 + 40])  # nothing, part of the body, body + part of the record
def test_disk_full_is_reported_and_nothing_half_written(tmp_path, monkeypatch, room):
    a = Archive(tmp_path)
    kept = a.put(b"an earlier report", META)
    before = {p: p.read_bytes() for p in files(tmp_path)}
    monkeypatch.setattr(archive_mod, "_write", disk_full_after(room))
    with pytest.raises(ArchiveError) as e:
        a.put(b"x" * 100, {**META, "url": "https://www.t.gov.cn/b.pdf"})
    assert e.value.errno == errno.ENOSPC and isinstance(e.value, OSError)
    msg = str(e.value)
    assert "No space left on device (ENOSPC)" in msg and "https://www.t.gov.cn/b.pdf" in msg
    assert str(tmp_path) in msg and "nothing half-written" in msg
    assert {p: p.read_bytes() for p in files(tmp_path)} == before  # no temp file, no torn line, no orphan
    monkeypatch.undo()
    assert a.get(kept) == b"an earlier report" and len(a.records(kept)) == 1
    sha = a.put(b"x" * 100, META)  # space again: the same put succeeds
    assert a.get(sha) == b"x" * 100 and len(a.records(sha)) == 1


def test_disk_full_on_validators_is_reported(tmp_path, monkeypatch):
    a = Archive(tmp_path)
    sha = a.put(b"page", META)
    monkeypatch.setattr(archive_mod, "_write", disk_full_after(3))
    with pytest.raises(ArchiveError, match="validators of https://www.t.gov.cn/a.pdf"):
        a.remember(META["url"], sha256=sha, etag='"e"', last_modified=None)
    assert not [p for p in files(tmp_path) if p.name.startswith(".tmp-")]
    assert a.validators(META["url"]) is None


def test_body_write_is_temp_file_fsync_rename(tmp_path, monkeypatch):
    """The body is complete and fsynced under a temp name before it appears under its sha."""
    a = Archive(tmp_path)
    seen = []
    real_replace, real_fsync = os.replace, os.fsync
    monkeypatch.setattr(archive_mod.os, "fsync", lambda fd: seen.append(("fsync", fd)) or real_fsync(fd))

    def replace(src, dst):
        assert Path(src).name.startswith(".tmp-") and Path(src).read_bytes() == b"body" * 1000
        assert not Path(dst).exists() and ("fsync",) == seen[-1][:1]
        seen.append(("replace", Path(dst).name))
        return real_replace(src, dst)

    monkeypatch.setattr(archive_mod.os, "replace", replace)
    sha = a.put(b"body" * 1000, META)
    assert ("replace", sha) in seen and [p.name for p in files(tmp_path / "objects")] == [sha]


def test_a_record_line_torn_by_a_crash_does_not_poison_the_next(tmp_path):
    a = Archive(tmp_path)
    sha = a.put(b"doc", META)
    with open(a._records_path(sha), "ab") as f:
        f.write(b'{"url": "https://www.t.gov.cn/half')  # kill -9 in the middle of an append
    a.put(b"doc", {**META, "url": "https://www.t.gov.cn/again"})
    assert [r["url"] for r in a.records(sha)] == [META["url"], "https://www.t.gov.cn/again"]


def test_a_cut_body_is_evidence_not_a_document(tmp_path):
    a = Archive(tmp_path)
    sha = a.put(b"<html>half a rep", {**META, "truncated": True, "limit": {"max_bytes": 16}})
    assert a.has(sha) and not a.is_document(sha)
    with pytest.raises(NotADocument, match="cut at the size limit"):
        a.get(sha)
    with pytest.raises(KeyError):  # NotADocument is a KeyError: callers treat it as absent
        a.get(sha)
    assert a.get(sha, fragment=True) == b"<html>half a rep"
    a.put(b"<html>half a rep", META)  # the same bytes later served whole: a document after all
    assert a.is_document(sha) and a.get(sha) == b"<html>half a rep"


def _mount_tmpfs(path: Path, size: str) -> bool:
    path.mkdir()
    if os.geteuid() != 0:
        return False
    r = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], check=False, capture_output=True
    )
    return r.returncode == 0


def test_a_really_full_disk(tmp_path):
    """The same on a real 64 KiB tmpfs (needs root and mount; skipped elsewhere)."""
    small = tmp_path / "small"
    if not _mount_tmpfs(small, "64k"):
        pytest.skip("cannot mount a tmpfs here (not root, or no CAP_SYS_ADMIN)")
    try:
        a = Archive(small)
        kept = a.put(b"small report", META)
        with pytest.raises(ArchiveError) as e:
            a.put(os.urandom(200_000), {**META, "url": "https://www.t.gov.cn/big.pdf"})
        assert e.value.errno in (errno.ENOSPC, errno.EDQUOT) and "big.pdf" in str(e.value)
        assert [p.name for p in files(small / "objects")] == [kept]
        assert not [p for p in files(small) if p.name.startswith(".tmp-")]
        assert a.get(kept) == b"small report" and len(a.records(kept)) == 1
    finally:
        subprocess.run(["umount", str(small)], check=False)
