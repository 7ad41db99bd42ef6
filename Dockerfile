# The OGI Reports image for docker-compose.yaml: Airflow 3.3.2 with the project's pinned stack and the
# ogi-reports package installed at build time (a wheel built from this tree, not an editable checkout and
# nothing installed at container start). The DAG files and include/ (SQL, GX suites, registries) come from
# the installed package; /opt/ogi/dags points at the package's DAG folder (AIRFLOW__CORE__DAGS_FOLDER).
#
#   docker compose build          # or: docker build -t ogi-reports-airflow .
FROM apache/airflow:3.3.2-python3.11

USER root
# CJK fonts for the PDF renderers of the synthetic city (benchmarks, demo)
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-wqy-zenhei \
    && rm -rf /var/lib/apt/lists/*
# Mount points of the named volumes, created here so a new volume starts owned by airflow:root and
# group-writable (any AIRFLOW_UID with group 0 can write): OGI_HOME's archive, parsed store, Data Docs,
# run summaries, municipal report pages and analyst outputs; the admin password file; the task logs.
RUN mkdir -p /opt/ogi/src /opt/ogi/data/archive /opt/ogi/data/parsed /opt/ogi/data/datadocs \
        /opt/ogi/data/runs /opt/ogi/data/reports /opt/ogi/data/outputs /opt/airflow/config /opt/airflow/logs \
    && chown -R airflow:0 /opt/ogi /opt/airflow/config /opt/airflow/logs \
    && chmod -R g+rwX /opt/ogi /opt/airflow/config /opt/airflow/logs
USER airflow

# 1. The pinned stack (its own layer: rebuilt only when requirements.lock changes).
COPY --chown=airflow:0 requirements.lock /opt/ogi/src/requirements.lock
RUN pip install --no-cache-dir -r /opt/ogi/src/requirements.lock

# 2. The package, from a wheel of this tree; bytecode compiled now (Great Expectations imports 3x faster).
COPY --chown=airflow:0 pyproject.toml README.md /opt/ogi/src/
COPY --chown=airflow:0 plugins /opt/ogi/src/plugins
COPY --chown=airflow:0 include /opt/ogi/src/include
COPY --chown=airflow:0 dags /opt/ogi/src/dags
RUN pip wheel --no-cache-dir --no-deps -w /tmp/ogi-wheel /opt/ogi/src \
    && pip install --no-cache-dir --no-deps /tmp/ogi-wheel/ogi_reports-*.whl \
    && rm -rf /tmp/ogi-wheel /opt/ogi/src/build \
    && python -m compileall -q "$(python -c 'from ogi import config; print(config.PACKAGE_DIR)')" \
    && ln -s "$(python -c 'from ogi import config; print(config.DAGS_DIR)')" /opt/ogi/dags \
    && python -m ogi.config

COPY --chown=airflow:0 scripts/compose-init.sh /opt/ogi/compose-init.sh

ENV AIRFLOW__CORE__DAGS_FOLDER=/opt/ogi/dags \
    AIRFLOW__CORE__LOAD_EXAMPLES=False \
    OGI_HOME=/opt/ogi/data
