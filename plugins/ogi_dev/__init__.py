"""Development tooling of OGI Reports, kept out of the runtime package ``ogi``.

* ``synth``: the synthetic city (numbers, printed defects, renderers for every form, the PDF producer
  matrix) and ``ogi synth``;
* ``portal``: the local HTTP portal that serves a portal tree (``ogi portal``; demo, tests, benchmarks);
* ``bench``: ``ogi bench STAGE``, one module per stage;
* ``fuzz``: ``ogi fuzz``, mutation fuzzing of the readers;
* ``samples``: random well-formed reports for tests and benchmarks.

Shipped in the same wheel as ``ogi``; its third-party needs beyond ``ogi``'s (ReportLab, which draws the
city's PDFs) are the ``demo`` extra. No module of ``ogi`` imports this package at import time (a test
checks it): ``ogi demo`` and the CLI's development commands import it when they run, and their modules
import only the standard library at their top level, so ``ogi --help`` works without the extra.
"""

from __future__ import annotations

#: how to install what the synthetic city needs
DEMO_EXTRA = "pip install 'ogi-reports[demo]'"


class MissingExtra(RuntimeError):
    """A library of the ``demo`` extra is not installed (the message is one sentence saying how to
    install it)."""


def require_reportlab() -> None:
    """Raise ``MissingExtra`` unless ReportLab (the synthetic city's PDF renderer) can be imported."""
    try:
        import reportlab  # noqa: F401
    except ImportError:
        raise MissingExtra(
            "the synthetic city draws its PDF reports with reportlab, which is not installed: "
            f"install the demo extra ({DEMO_EXTRA})"
        ) from None
