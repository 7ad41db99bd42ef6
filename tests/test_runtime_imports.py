"""The runtime package ``ogi`` does not need the development tooling: no module of ``ogi`` imports
``ogi_dev`` (the synthetic city, the local portal, the benchmarks) or ReportLab (the ``demo`` extra) when
it is imported, ``ogi --help`` lists every command without ReportLab, and what needs ReportLab says in one
sentence how to install it.

Each check runs in a fresh interpreter with a meta-path finder that refuses the blocked packages (as if
they were not installed) and notes every attempt, so even an import guarded by ``try``/``except`` fails it.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from testenv import REPO

PLUGINS = REPO / "plugins"
RUNTIME = PLUGINS / "ogi"
BLOCKED = ("ogi_dev", "reportlab")
#: Alembic's environment runs the migrations when it is imported; its imports are read, not run
NOT_IMPORTED = {"ogi.warehouse.migrations.env"}

_BLOCKER = """
import importlib.abc, json, sys

ATTEMPTS = []


class _Blocked(importlib.abc.MetaPathFinder):
    def __init__(self, names):
        self.names = set(names)

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in self.names:
            ATTEMPTS.append(name)
            raise ModuleNotFoundError(f"No module named {name!r} (blocked by the test)", name=name)
        return None


sys.meta_path.insert(0, _Blocked(json.loads(sys.argv[1])))
"""


def _run(code: str, blocked: tuple[str, ...], *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(PLUGINS), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run(
        [sys.executable, "-c", _BLOCKER + code, json.dumps(blocked), *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def runtime_modules() -> list[str]:
    """Every module under plugins/ogi, by its dotted name."""
    names = []
    for path in sorted(RUNTIME.rglob("*.py")):
        parts = path.relative_to(PLUGINS).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def test_no_runtime_module_imports_the_dev_tooling_when_imported():
    code = """
import importlib, traceback

failed = {}
for name in sys.argv[2:]:
    before = len(ATTEMPTS)
    try:
        importlib.import_module(name)
    except BaseException:
        failed[name] = traceback.format_exc(limit=-3)
    if len(ATTEMPTS) > before:
        failed.setdefault(name, "tried to import " + ", ".join(ATTEMPTS[before:]))
print(json.dumps(failed))
"""
    modules = [m for m in runtime_modules() if m not in NOT_IMPORTED]
    assert len(modules) > 50 and "ogi.cli" in modules and "ogi.demo" in modules
    p = _run(code, BLOCKED, *modules)
    assert p.returncode == 0, p.stderr[-3000:]
    failed = json.loads(p.stdout.strip().splitlines()[-1])
    assert not failed, "\n".join(f"{name}:\n{why}" for name, why in failed.items())


@pytest.mark.parametrize("path", sorted(RUNTIME.rglob("*.py")), ids=lambda p: str(p.relative_to(RUNTIME)))
def test_no_runtime_module_imports_the_dev_tooling_at_module_level(path: Path):
    """The same rule read from the source (covers the modules not imported above): imports of ``ogi_dev``
    or ReportLab in ``ogi`` belong inside the function that needs them."""
    top, todo = [], list(ast.parse(path.read_text("utf-8")).body)
    while todo:  # module-level statements, including those under if / try / with; not function bodies
        node = todo.pop()
        if isinstance(node, ast.Import):
            top += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            top.append(node.module)
        elif not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            todo += [c for c in ast.iter_child_nodes(node) if isinstance(c, ast.stmt | ast.excepthandler)]
    assert not [n for n in top if n.split(".")[0] in BLOCKED]


def test_ogi_help_lists_every_command_without_reportlab():
    code = """
from ogi.cli import main

try:
    main(["--help"])
except SystemExit as e:
    assert e.code == 0, e.code
assert not ATTEMPTS, ATTEMPTS
"""
    p = _run(code, ("reportlab",))
    assert p.returncode == 0, p.stderr[-3000:]
    commands = re.findall(r"^    ([a-z]+)\b", p.stdout, flags=re.MULTILINE)
    assert {"demo", "synth", "portal", "bench", "fuzz", "parse", "fetch", "report"} <= set(commands)


def test_the_synthetic_city_without_reportlab_says_how_to_install_it(tmp_path):
    """``ogi synth`` and ``ogi demo`` (which prints a RuntimeError's message as one ``error:`` line) end
    with one sentence naming the extra, before anything is written."""
    code = """
from ogi.cli import main
from ogi_dev import MissingExtra
from ogi_dev.synth.city import generate_city

out = sys.argv[2]
status = main(["synth", "--demo", "--out", out + "/cli"])
try:
    generate_city(out + "/api", organs=1, years=[2023])
except MissingExtra as e:
    assert isinstance(e, RuntimeError)
    print("raised:", e)
generate_city(out + "/html", organs=1, years=[2023], forms=["html"])  # no PDF, no ReportLab
sys.exit(status)
"""
    p = _run(code, ("reportlab",), str(tmp_path))
    assert p.returncode == 2, p.stdout + p.stderr[-3000:]
    lines = p.stdout.strip().splitlines()
    sentence = "reportlab, which is not installed: install the demo extra (pip install 'ogi-reports[demo]')"
    assert lines[0].startswith("ogi synth: ") and lines[0].endswith(sentence), lines
    assert lines[1].startswith("raised: ") and lines[1].endswith(sentence), lines
    assert len(lines) == 2
    assert not (tmp_path / "cli").exists() and not (tmp_path / "api").exists()
    assert (tmp_path / "html" / "manifest.json").exists()


def test_airflow_plugin_loader_skips_every_package():
    """Airflow imports every .py under its plugins folder as a top-level module named after the file
    (``ogi_dev/synth/numbers.py`` would become the standard library's ``numbers``): plugins/.airflowignore
    lists every package of plugins/."""
    ignored = {
        line.strip()
        for line in (PLUGINS / ".airflowignore").read_text("utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    packages = {f"{p.parent.name}/" for p in PLUGINS.glob("*/__init__.py")}
    assert packages >= {"ogi/", "ogi_dev/"}
    assert packages <= ignored


def test_ogi_demo_without_reportlab_says_so_before_any_set_up(tmp_path):
    """``ogi demo`` on the synthetic city stops at once with the same sentence: no Airflow metadata DB
    is created under OGI_HOME first."""
    code = """
import os
os.environ["OGI_HOME"] = sys.argv[2]
from ogi.cli import main
sys.exit(main(["demo"]))
"""
    p = _run(code, ("reportlab",), str(tmp_path / "home"))
    assert p.returncode != 0, p.stdout + p.stderr[-3000:]
    out = p.stdout + p.stderr
    assert "install the demo extra (pip install 'ogi-reports[demo]')" in out, out[-3000:]
    assert not (tmp_path / "home" / "airflow").exists()
