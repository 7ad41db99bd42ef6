"""Template facts live in ``ogi.templates``: the parser, the validator and the warehouse name no printed
label of their own. A CJK string literal (docstrings and comments aside) in ``plugins/ogi/{parse,validate,
warehouse}`` fails this test unless its file is in the allow-list below with the reason it needs Chinese
text that is not a template fact (the prose around the tables, the writing system itself, messages).

Adding a file to the allow-list is a decision: first ask whether the literal is a label, key, caption or
marker of the statutory format, and if it is, put it in ``ogi.templates`` and import it.
"""

from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path

from ogi import templates as T

ROOT = Path(__file__).resolve().parents[1] / "plugins" / "ogi"
CHECKED = ("parse", "validate", "warehouse")
# CJK ideographs, radicals, CJK punctuation and full-width forms
_CJK = re.compile(r"[\u2e80-\u2fdf\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")

#: file (relative to plugins/ogi) -> why it holds Chinese literals that are not template facts
ALLOWED: dict[str, str] = {
    "parse/normalise.py": "the Kangxi / CJK radical maps: the writing system, not the format",
    "parse/labels.py": "Chinese numerals, units, traditional-to-simplified characters, enumerator patterns",
    "parse/pdf_geometry.py": "layout regexes (enumerators, 第…条 captions, section headings) of PDF geometry",
    "parse/pdf.py": "layout regexes of the PDF reader (enumerators, page numbers, CJK ranges)",
    "parse/html.py": "page-chrome markers that tell the report's article from a portal's navigation",
    "parse/text.py": "sentence punctuation and the 无 of flattened text",
    "parse/metadata.py": "title / year / organ / date / section heuristics on the prose around the tables",
    "parse/mapper.py": "table names and printed row names in its warnings; the money units 元 / 万元",
    "parse/commands.py": "table names (二/三/四) in printed messages",
    "validate/rules.py": "the rule catalogue's Chinese statements and their legal basis (REPORT_FORMAT.md)",
    "validate/checks.py": "money units and the prose patterns of fee notices (section 六)",
    "validate/crossyear.py": "printed names of the cells compared across years, in result details",
    "validate/run.py": "full-width look-alikes that Data Docs escape",
    "warehouse/commands.py": "table names in printed messages",
    "warehouse/export.py": "the data dictionary's descriptions (table names in Chinese)",
    "warehouse/rows.py": "the 万元 money unit, converted to 元 on load",
}


def _cjk_literals(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text("utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
        and _CJK.search(node.value)
    ]


def _files() -> list[Path]:
    return sorted(p for d in CHECKED for p in (ROOT / d).rglob("*.py"))


def test_no_cjk_literal_outside_the_allow_list():
    found = {}
    for path in _files():
        rel = path.relative_to(ROOT).as_posix()
        if rel not in ALLOWED and (hits := _cjk_literals(path)):
            found[rel] = [f"line {n}: {v[:30]!r}" for n, v in hits[:5]]
    assert not found, (
        "Chinese literals outside ogi.templates (move template facts there, or justify the file in ALLOWED): "
        f"{found}"
    )


def test_allow_list_is_needed():
    """Every allowed file exists and still holds a Chinese literal (the list only shrinks)."""
    stale = [rel for rel in ALLOWED if not (ROOT / rel).exists() or not _cjk_literals(ROOT / rel)]
    assert not stale, f"remove from ALLOWED: {stale}"


def _template_strings() -> set[str]:
    out: set[str] = set()

    def walk(x, depth=0):
        if depth > 5:
            return
        if isinstance(x, str):
            if _CJK.search(x) and len(x) >= 2:
                out.add(x)
        elif isinstance(x, dict):
            for k, v in x.items():
                walk(k, depth + 1)
                walk(v, depth + 1)
        elif isinstance(x, list | tuple | set | frozenset):
            for v in x:
                walk(v, depth + 1)
        elif dataclasses.is_dataclass(x) and not isinstance(x, type):
            for f in dataclasses.fields(x):
                walk(getattr(x, f.name), depth + 1)

    for name in dir(T):
        if not name.startswith("_"):
            walk(getattr(T, name))
    return out


#: literals equal to a template string that are words of the prose, not the table's label
_PROSE_WORDS = {
    ("parse/html.py", "总体情况"),  # section 一's heading, a marker of the report's article
    ("parse/metadata.py", "人民政府"),  # organ-name heuristics
    ("parse/metadata.py", "街道"),  # organ-type heuristics
    ("validate/checks.py", "行政复议"),  # fee-notice / section prose patterns
    ("validate/checks.py", "行政诉讼"),
}


def test_no_template_label_repeated_as_a_literal():
    """Even in an allowed file, a literal equal to a label of ``ogi.templates`` is a copy of a template
    fact (unless it is listed as a word of the surrounding prose)."""
    labels = _template_strings()
    copies = [
        f"{path.relative_to(ROOT).as_posix()}:{n}: {v!r}"
        for path in _files()
        for n, v in _cjk_literals(path)
        if v in labels and (path.relative_to(ROOT).as_posix(), v) not in _PROSE_WORDS
    ]
    assert not copies, f"import these from ogi.templates: {copies}"
