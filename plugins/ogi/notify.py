"""Notifications on failed runs and on hard-rule failures, through an Airflow notifier. Off by default.

Configured by ``OGI_NOTIFY`` in the environment of the Airflow processes (read when a notification is
due, so no DAG change is needed to switch it):

- unset or empty: off;
- ``log``: a WARNING line in the task / callback log;
- ``file:/path/notifications.jsonl``: one JSON line per notification (audits, tests);
- ``webhook:https://…``: POST the JSON message (e.g. a chat bot's incoming webhook).

Only ``airflow.sdk`` is imported at module level (the DAG file imports this).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from typing import Any

from airflow.sdk import BaseNotifier

log = logging.getLogger(__name__)


def send(message: Mapping[str, Any]) -> bool:
    """Deliver ``message`` through the configured channel; False when notifications are off."""
    target = os.environ.get("OGI_NOTIFY", "").strip()
    if not target:
        return False
    body = json.dumps(message, ensure_ascii=False, default=str)
    kind, _, where = target.partition(":")
    if kind == "log":
        log.warning("OGI notification: %s", body)
    elif kind == "file":
        with open(where, "a", encoding="utf-8") as f:
            f.write(body + "\n")
    elif kind == "webhook":
        import httpx

        httpx.post(where, content=body.encode(), headers={"content-type": "application/json"}, timeout=10)
    else:
        log.error("OGI_NOTIFY=%r: expected log, file:PATH or webhook:URL; notification dropped", target)
        return False
    return True


class OgiNotifier(BaseNotifier):
    """Airflow notifier for DAG/task callbacks: sends the run id, DAG id and failed task."""

    template_fields = ("event",)

    def __init__(self, event: str = "run_failed"):
        super().__init__()
        self.event = event

    def notify(self, context) -> None:
        ti = context.get("ti") or context.get("task_instance")
        dag_run = context.get("dag_run")
        send(
            {
                "event": self.event,
                "dag_id": getattr(dag_run, "dag_id", None),
                "run_id": getattr(dag_run, "run_id", None),
                "task_id": getattr(ti, "task_id", None),
                "exception": str(context.get("exception") or "") or None,
            }
        )


def notify_hard_rule_failures(summary: Mapping[str, Any]) -> bool:
    """Tell someone that reports of this run break statutory identities (severity error)."""
    return send(
        {
            "event": "hard_rule_failures",
            "dag_id": summary.get("dag_id"),
            "run_id": summary.get("run_id"),
            "reports": summary.get("hard_rule_failures"),
            "summary": summary.get("path"),
        }
    )
