"""Special files and clear CLI output (issue 13): a FIFO is refused at once, an empty path is called
empty, pdfminer's diagnostics stay off stderr, a hostile document gets one sentence and exit 2,
and ``ogi fuzz`` runs."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import hostile_docs as H
import pytest
from testenv import REPO

from ogi import cli
from ogi.model import ParseError
from ogi.parse import limits as L
from ogi.parse import parse_bytes

OGI = [sys.executable, "-c", "import sys; from ogi.cli import main; sys.exit(main())"]


def _ogi(*args: str, timeout: float = 60, env: dict | None = None) -> subprocess.CompletedProcess:
    """The CLI in a fresh process (logging unconfigured, as a user runs it); a hang fails the test."""
    e = {**os.environ, "PYTHONPATH": str(REPO / "plugins"), **(env or {})}
    return subprocess.run(
        OGI + list(args), capture_output=True, text=True, timeout=timeout, env=e, check=False
    )


def _one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def test_fifo_is_refused_at_once(tmp_path):
    fifo = tmp_path / "report.html"
    os.mkfifo(fifo)
    r = _ogi("parse", str(fifo), timeout=30)  # before: blocked forever in open()
    assert r.returncode == 2 and r.stdout == ""
    line = _one_line(r.stderr)
    assert "not a regular file" in line and "FIFO" in line
    with pytest.raises(ParseError) as e:
        L.read_file(fifo)
    assert e.value.reason == L.NOT_A_FILE


def test_device_is_refused(capsys):
    assert cli.main(["parse", "/dev/zero"]) == 2  # would otherwise read forever
    assert "not a regular file but a device" in capsys.readouterr().err


def test_empty_path_is_called_empty(capsys):
    assert cli.main(["parse", ""]) == 2
    err = _one_line(capsys.readouterr().err)
    assert "path is empty" in err and "directory" not in err


def test_oversize_file_is_refused_before_it_is_read(tmp_path, capsys, monkeypatch):
    big = tmp_path / "big.html"
    with open(big, "wb") as f:
        f.truncate(2 * L.MiB)  # sparse: nothing to read if the limit works
    monkeypatch.setenv("OGI_PARSE_MAX_BYTES", "1M")
    assert cli.main(["parse", str(big)]) == 2
    assert "OGI_PARSE_MAX_BYTES limit (1 MiB)" in _one_line(capsys.readouterr().err)


def test_malformed_setting_is_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("OGI_PARSE_MAX_SECONDS", "soon")
    p = tmp_path / "a.html"
    p.write_text("<html></html>")
    assert cli.main(["parse", str(p)]) == 2
    assert "OGI_PARSE_MAX_SECONDS='soon'" in _one_line(capsys.readouterr().err)


def _fontbbox_pdf() -> bytes:
    """A PDF whose font descriptor has a 3-number FontBBox: pdfminer logs 'Could not get FontBBox'."""
    return H.minimal_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            (
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
                b" /Resources << /Font << /F1 5 0 R >> >> >>"
            ),
            H._stream(b"", b"BT /F1 12 Tf 72 720 Td (2021 report) Tj ET"),
            b"<< /Type /Font /Subtype /TrueType /BaseFont /Foo /FontDescriptor 6 0 R >>",
            b"<< /Type /FontDescriptor /FontName /Foo /Flags 32 /FontBBox [0 0 0] /Ascent 800 /Descent -200 >>",
        ]
    )


def test_pdfminer_diagnostics_stay_off_stderr(tmp_path, caplog):
    pdf = tmp_path / "fontbbox.pdf"
    pdf.write_bytes(_fontbbox_pdf())
    caplog.set_level(logging.WARNING, logger="pdfminer")
    with pytest.raises(ParseError):
        parse_bytes(pdf.read_bytes())
    assert any("FontBBox" in r.getMessage() for r in caplog.records)  # the document does provoke it
    r = _ogi("parse", str(pdf))
    assert r.returncode == 2 and "FontBBox" not in r.stderr
    assert _one_line(r.stderr).startswith(f"{pdf}: The document is not")


def test_hostile_document_through_the_cli_is_one_sentence(tmp_path):
    p = tmp_path / "forms.pdf"
    p.write_bytes(H.nested_forms_pdf())
    r = _ogi("parse", str(p), timeout=60)
    assert r.returncode == 2
    assert "OGI_PARSE_MAX_FORM_DRAWS" in _one_line(r.stderr)


def test_ogi_fuzz_command_runs(capsys):
    assert cli.main(["fuzz", "--cases", "12", "--seed", "3", "--organs", "1"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("12 mutated documents") and "0 failures" in out


# ---------------------------------------------------------------------------- ogi load


def _load(tmp_path: Path, *extra: str) -> int:
    junk = tmp_path / "junk.html"
    junk.write_text("<html><body>nothing to see</body></html>", "utf-8")
    url = f"sqlite:///{tmp_path / 'w.db'}"
    return cli.main(["load", str(junk), "--warehouse", url, *extra])


def test_load_exits_1_when_every_file_is_quarantined(tmp_path, capsys):
    assert _load(tmp_path, "--organ", "某局", "--year", "2023", "--region", "某市") == 1
    errors = [ln for ln in capsys.readouterr().err.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1 and "nothing loaded" in errors[0]
