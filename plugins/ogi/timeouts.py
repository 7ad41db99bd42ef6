"""Execution timeouts of the DAG tasks, one per kind of task: defined here once, used by every DAG file.

Airflow stops a task instance that runs longer than its ``execution_timeout`` (``AirflowTaskTimeout``;
then the task's retries, if it has any, and the failure notification). The defaults fit the default
``batch_size`` (25 organs per mapped task) on a 2-core worker with a wide margin; each is the bound on
one task instance:

| kind | default | why this much |
|---|---|---|
| ``plan`` | 10 min | reads the registries: seconds |
| ``fetch`` | 60 min | 25 organs, 8 at a time; a URL ends within its total deadline (120 s by default), so a batch of dead portals needs ~16 min |
| ``parse`` | 30 min | 25 documents, each bounded by ``OGI_PARSE_MAX_SECONDS`` (45 s): 19 min if every one hits the limit |
| ``validate`` | 20 min | one Great Expectations run per batch: seconds (GX import included) |
| ``load`` | 60 min | every region-year of the run: ~150 reports/s, so 100,000 reports in ~11 min, plus the reconnect budget |
| ``cross_year`` | 30 min | reads the loaded reports' previous year back: faster than the load |
| ``summaries`` | 30 min | municipal summaries per region-year and the run summary (``summarise``) |
| ``outputs`` | 30 min | every warehouse view as a CSV file (``ogi_analyst_outputs``): seconds per view |

Each can be set in the environment of the DAG processor and the workers: ``OGI_TASK_TIMEOUT_<KIND>``
(``OGI_TASK_TIMEOUT_PARSE=45m``), in seconds or with a unit (``s``, ``m``, ``h``); a run with a much
larger ``batch_size`` needs larger ``fetch``/``parse``/``validate`` values. A malformed value is an
import error of the DAG file that names the variable. Only the standard library is imported here.
"""

from __future__ import annotations

import os
import re
from datetime import timedelta

#: default execution timeout per task kind (see the module doc)
DEFAULTS: dict[str, timedelta] = {
    "plan": timedelta(minutes=10),
    "fetch": timedelta(minutes=60),
    "parse": timedelta(minutes=30),
    "validate": timedelta(minutes=20),
    "load": timedelta(minutes=60),
    "cross_year": timedelta(minutes=30),
    "summaries": timedelta(minutes=30),
    "outputs": timedelta(minutes=30),
}
#: no setting may be below or above these (a typo must not make a task unkillable or instantly killed)
MINIMUM, MAXIMUM = timedelta(seconds=30), timedelta(hours=24)
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600}


def env_name(kind: str) -> str:
    return f"OGI_TASK_TIMEOUT_{kind.upper()}"


def parse_duration(text: str, name: str) -> timedelta:
    """``'90'``, ``'90s'``, ``'45m'``, ``'2h'`` → a timedelta within [MINIMUM, MAXIMUM]; else ValueError."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smh]?)\s*", text.lower())
    if not m:
        raise ValueError(f"{name} must be a duration like 900, 45m or 2h, not {text!r}")
    value = timedelta(seconds=float(m.group(1)) * _UNITS[m.group(2)])
    if not MINIMUM <= value <= MAXIMUM:
        raise ValueError(f"{name} must be between {MINIMUM} and {MAXIMUM}, not {text!r}")
    return value


def execution_timeout(kind: str) -> timedelta:
    """The execution timeout of a task of ``kind`` (a key of ``DEFAULTS``), or its environment setting."""
    if kind not in DEFAULTS:
        raise KeyError(f"unknown task kind {kind!r} (one of {', '.join(DEFAULTS)})")
    raw = os.environ.get(env_name(kind), "").strip()
    return parse_duration(raw, env_name(kind)) if raw else DEFAULTS[kind]
