"""Paths and corpus helpers shared by the tests (import as ``from testenv import …``).

Kept out of ``conftest.py`` because several folders have a conftest of their own and
``from testenv import`` would pick whichever was imported first.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("OGI_SHARED", REPO.parent / "shared"))
CORPUS = SHARED / "corpus"


def corpus_reports() -> list[Path]:
    """Documents in shared/corpus that have a truth file (empty when shared/ is absent)."""
    if not CORPUS.is_dir():
        return []
    return sorted(
        p
        for p in CORPUS.iterdir()
        if not p.name.endswith(".truth.json") and p.with_name(p.name.split(".")[0] + ".truth.json").exists()
    )


def truth_for(path: Path) -> dict:
    return json.loads(path.with_name(path.name.split(".")[0] + ".truth.json").read_text("utf-8"))
