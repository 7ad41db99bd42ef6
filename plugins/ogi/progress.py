"""Progress for long CLI work: one line per stage with a bar (rich), nothing when switched off.

``Stages(enabled=None)`` shows the bars only when its console is a terminal (``ogi report`` and
``ogi export`` in a script stay silent). ``enabled=True`` on a console that is not a terminal (``make
demo | tee log``, a test's pipe) writes each stage's line once, when the stage ends, instead of
redrawing: still one line per stage.
"""

from __future__ import annotations

import time
from typing import IO, Any, Self

BAR_WIDTH = 28


class Stages:
    def __init__(self, *, enabled: bool | None = None, file: IO[str] | None = None):
        from rich.console import Console

        self.console = Console(file=file, stderr=file is None, highlight=False, soft_wrap=False)
        self.enabled = self.console.is_terminal if enabled is None else enabled
        self.live = self.enabled and self.console.is_terminal
        self._progress: Any = None
        self._plain: dict[int, dict[str, Any]] = {}  # not a terminal: stage -> state, printed when done

    def __enter__(self) -> Self:
        if self.live:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self._progress = Progress(
                TextColumn("{task.description:<24}"),
                BarColumn(bar_width=BAR_WIDTH),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TextColumn("{task.fields[note]}"),
                console=self.console,
                transient=False,
                refresh_per_second=4,
            )
            self._progress.start()
        return self

    def __exit__(self, *exc) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
        for task in list(self._plain):
            self._print(task)

    # ------------------------------------------------------------------ stages

    def stage(self, name: str, total: int | None = 1, *, start: bool = True) -> int:
        """A new stage line; returns its id (``-1`` when switched off). ``start=False``: its clock starts
        at ``start(task)`` (or its first advance)."""
        if not self.enabled:
            return -1
        if self._progress is not None:
            return self._progress.add_task(name, total=total, note="", start=start)
        task = len(self._plain) + 1000
        t0 = time.monotonic() if start else None
        self._plain[task] = {"name": name, "total": total, "completed": 0, "note": "", "t0": t0}
        return task

    def start(self, task: int) -> None:
        """Start a stage's clock (once; later calls do nothing)."""
        if self._progress is not None and task >= 0:
            t = next(t for t in self._progress.tasks if t.id == task)
            if t.start_time is None:
                self._progress.start_task(task)
        elif task in self._plain and self._plain[task]["t0"] is None:
            self._plain[task]["t0"] = time.monotonic()

    def advance(self, task: int, n: int = 1) -> None:
        self.start(task)
        if self._progress is not None and task >= 0:
            self._progress.advance(task, n)
        elif task in self._plain:
            self._plain[task]["completed"] += n
            self._maybe_print(task)

    def update(self, task: int, **kw) -> None:
        """``completed=…``, ``total=…`` or ``note=…`` of a stage."""
        if self._progress is not None and task >= 0:
            self._progress.update(task, **kw)
        elif task in self._plain:
            self._plain[task].update(kw)
            self._maybe_print(task)

    def finish(self, task: int, note: str = "") -> None:
        if self._progress is not None and task >= 0:
            t = next(t for t in self._progress.tasks if t.id == task)
            n = t.total or t.completed or 1
            self._progress.update(task, completed=n, total=n, note=note)
        elif task in self._plain:
            st = self._plain[task]
            n = st["total"] or st["completed"] or 1
            self.update(task, completed=n, total=n, note=note)

    # ------------------------------------------------------------------ not a terminal

    def _maybe_print(self, task: int) -> None:
        st = self._plain[task]
        if st["total"] is not None and st["completed"] >= st["total"]:
            self._print(task)

    def _print(self, task: int) -> None:
        st = self._plain.pop(task, None)
        if st is None:
            return
        total, done = st["total"], st["completed"]
        filled = BAR_WIDTH if not total else min(BAR_WIDTH, round(BAR_WIDTH * done / total))
        bar = "━" * filled + "╺" + "─" * (BAR_WIDTH - filled - 1) if filled < BAR_WIDTH else "━" * BAR_WIDTH
        secs = int(time.monotonic() - st["t0"]) if st["t0"] is not None else 0
        count = f"{done}/{total}" if total is not None else str(done)
        line = f"{st['name']:<24} {bar} {count} {secs // 3600}:{secs // 60 % 60:02d}:{secs % 60:02d} {st['note']}"
        self.console.print(line.rstrip(), markup=False, highlight=False)
