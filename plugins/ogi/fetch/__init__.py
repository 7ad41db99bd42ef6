"""Fetch: from a city's organ registry to each organ's report for a year, raw bytes archived.

- ``registry``: the YAML registry (``load_registry``), errors naming file, line and field;
- ``http``: the careful client (allowed hosts, retries, politeness, size cap, conditional GETs, ``via=``);
- ``discover``: listing pages → the year's item → article → the source holding the tables;
- ``archive``: content-addressed raw bodies + per-fetch records (``Archive``);
- ``run``: ``fetch_reports(registry, year, archive=…) -> list[FetchOutcome]``;
- ``commands``: ``ogi fetch``, ``ogi registry check`` (the benchmark ``ogi bench fetch`` is ``ogi_dev.bench.fetch``).

Nothing here imports heavy libraries at module level (lxml and httpx are light enough).
"""
