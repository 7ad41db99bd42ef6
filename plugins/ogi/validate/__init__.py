"""Validate parsed reports against the statutory identities of REPORT_FORMAT.md §2.6 with GX suites.

``rules`` (catalogue) → ``suites`` (JSON under ``include/expectations/``) → ``run.validate_batch``
(one GX run per suite for a whole batch; Data Docs under ``OGI_HOME/datadocs/<run id>/index.html``,
or ``OGI_DATADOCS_DIR``) → ``RuleResult`` rows; ``crossyear`` for X-1..X-3. GX is imported lazily.
"""
