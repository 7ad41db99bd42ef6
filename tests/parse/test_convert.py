"""Legacy .doc/.wps conversion: refused with needs_conversion without LibreOffice (PATH emptied in the
test); the subprocess plumbing checked with stand-in ``soffice`` scripts; a real round trip
DOCX → DOC → DOCX when LibreOffice is installed (skipped otherwise: CI does not install it)."""

from __future__ import annotations

import os
import stat

import pytest

from ogi.model import ParseError
from ogi.parse import parse_bytes
from ogi.parse.convert import convert_legacy, soffice_path

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504  # the header every .doc/.wps starts with


@pytest.fixture
def no_soffice(monkeypatch, tmp_path):
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


def _stand_in(tmp_path, monkeypatch, script: str) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    exe = bin_dir / "soffice"
    exe.write_text("#!/bin/sh\n" + script + "\n")
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}/usr/bin{os.pathsep}/bin")


@pytest.mark.parametrize("suffix", [".doc", ".wps"])
def test_refused_without_libreoffice(no_soffice, suffix):
    with pytest.raises(ParseError) as e:
        convert_legacy(OLE2, suffix)
    assert e.value.reason == "needs_conversion"
    assert "needs conversion" in str(e.value) and "LibreOffice is not installed" in str(e.value)


def test_parse_bytes_refuses_a_doc_attachment_without_libreoffice(no_soffice):
    with pytest.raises(ParseError) as e:
        parse_bytes(OLE2, filename="2023年报.doc")
    assert e.value.reason == "needs_conversion"


def test_a_failing_conversion_is_reported_as_corrupt(tmp_path, monkeypatch):
    _stand_in(tmp_path, monkeypatch, 'echo "Error: source file could not be loaded" >&2; exit 1')
    with pytest.raises(ParseError) as e:
        convert_legacy(OLE2, ".doc")
    assert e.value.reason == "corrupt" and "source file could not be loaded" in str(e.value)


def test_a_hanging_conversion_times_out(tmp_path, monkeypatch):
    _stand_in(tmp_path, monkeypatch, "exec sleep 30")
    with pytest.raises(ParseError) as e:
        convert_legacy(OLE2, ".doc", timeout=0.5)
    assert e.value.reason == "conversion_failed" and "longer than" in str(e.value)


def test_the_converted_file_is_returned(tmp_path, monkeypatch):
    """The stand-in writes <outdir>/report.docx like LibreOffice does; its bytes come back."""
    _stand_in(
        tmp_path,
        monkeypatch,
        'while [ "$1" != "--outdir" ]; do shift; done; mkdir -p "$2"; printf DOCX > "$2/report.docx"',
    )
    assert convert_legacy(OLE2, "wps") == b"DOCX"


@pytest.fixture(scope="module")
def real_soffice():
    exe = soffice_path()
    if exe is None:
        pytest.skip("LibreOffice (soffice) is not installed; the real conversion is not tested here")
    return exe


def test_real_round_trip_doc_to_docx(real_soffice, tmp_path):
    import subprocess

    from pdf_fixtures import html_document, render_docx
    from reportbuilder import report_html

    html = report_html(year=2021)
    src = tmp_path / "report.docx"
    src.write_bytes(render_docx(html_document(html)))
    subprocess.run(
        [real_soffice, f"-env:UserInstallation=file://{tmp_path}/profile", "--headless", "--convert-to", "doc",
         "--outdir", str(tmp_path), str(src)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    doc_bytes = (tmp_path / "report.doc").read_bytes()
    assert doc_bytes.startswith(OLE2[:8])
    parsed = parse_bytes(doc_bytes, filename="report.doc")
    expected = parse_bytes(html.encode("utf-8")).report.to_canonical()
    got = parsed.report.to_canonical()
    for key in ("table2", "table3", "table4", "year", "organ", "template_version"):
        assert got.get(key) == expected.get(key), key


def test_real_conversion_of_garbage_is_corrupt(real_soffice):
    with pytest.raises(ParseError) as e:
        convert_legacy(OLE2 + b"garbage" * 100, ".doc")
    assert e.value.reason == "corrupt"
