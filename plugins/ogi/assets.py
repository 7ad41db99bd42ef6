"""The warehouse as Airflow Assets: the yearly DAG updates them, downstream DAGs are scheduled on them.

One definition for every DAG file (DAG files never import each other). Only ``airflow.sdk`` is imported.
"""

from __future__ import annotations

from airflow.sdk import Asset

REPORTS = Asset(name="ogi_warehouse.reports", uri="x-ogi://warehouse/reports")
FACTS = Asset(name="ogi_warehouse.facts", uri="x-ogi://warehouse/facts")
RULE_RESULTS = Asset(name="ogi_warehouse.rule_results", uri="x-ogi://warehouse/rule_results")
SUMMARIES = Asset(name="ogi_warehouse.summaries", uri="x-ogi://warehouse/summaries")

#: what a load changes
WAREHOUSE = [REPORTS, FACTS, RULE_RESULTS]
