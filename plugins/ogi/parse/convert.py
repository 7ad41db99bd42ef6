"""Legacy Word/WPS attachments (.doc, .wps, .rtf) → DOCX bytes through LibreOffice headless.

Portals still publish Word 97-2003 and WPS files; python-docx reads only DOCX, so they are
converted with ``soffice --headless --convert-to docx`` in a private temporary directory (its own
user profile too, so parallel conversions never share LibreOffice's lock) with a timeout. Where
LibreOffice is not installed the file is refused with reason ``needs_conversion``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ogi.model import ParseError

#: seconds one conversion may take (a first start of LibreOffice takes a few seconds)
TIMEOUT_S = 120.0
_SUFFIXES = (".doc", ".wps", ".rtf", ".dot", ".wpt")


def soffice_path() -> str | None:
    """The LibreOffice executable on PATH (``soffice`` or ``libreoffice``), or None."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_legacy(data: bytes, suffix: str, *, timeout: float = TIMEOUT_S) -> bytes:
    """DOCX bytes of a legacy .doc/.wps/.rtf document; ``ParseError`` needs_conversion / corrupt."""
    suffix = suffix.lower() if suffix.startswith(".") else "." + suffix.lower()
    kind = suffix.lstrip(".").upper()
    exe = soffice_path()
    if exe is None:
        raise ParseError(
            "needs_conversion",
            f"The {kind} file needs conversion: LibreOffice is not installed (no soffice or libreoffice "
            "on PATH), so it cannot be converted to DOCX.",
        )
    if suffix not in _SUFFIXES:
        suffix = ".doc"
    with tempfile.TemporaryDirectory(prefix="ogi-convert-") as tmp:
        src = Path(tmp) / f"report{suffix}"
        src.write_bytes(data)
        out_dir = Path(tmp) / "out"
        cmd = [
            exe,
            f"-env:UserInstallation=file://{Path(tmp, 'profile').as_posix()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "docx:MS Word 2007 XML",
            "--outdir",
            str(out_dir),
            str(src),
        ]
        env = {**os.environ, "HOME": tmp}
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=timeout, env=env, check=False)
        except subprocess.TimeoutExpired:
            raise ParseError(
                "conversion_failed",
                f"Converting the {kind} file with LibreOffice took longer than {timeout:.0f} s.",
            ) from None
        except OSError as e:
            raise ParseError("needs_conversion", f"LibreOffice could not be started ({e}).") from None
        out = out_dir / "report.docx"
        if proc.returncode != 0 or not out.exists() or out.stat().st_size == 0:
            detail = (proc.stderr or proc.stdout).decode("utf-8", "replace").strip().splitlines()
            raise ParseError(
                "corrupt",
                f"LibreOffice could not convert the {kind} file to DOCX; it is probably corrupt"
                + (f" ({detail[-1]})." if detail else "."),
            )
        return out.read_bytes()
