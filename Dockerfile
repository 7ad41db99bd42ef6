# Airflow image with the OGI Reports package and its pinned stack (used by docker-compose.yaml).
FROM apache/airflow:3.3.2-python3.11
USER root
RUN apt-get update && apt-get install -y --no-install-recommends fonts-wqy-zenhei \
    && rm -rf /var/lib/apt/lists/*
USER airflow
COPY --chown=airflow:root pyproject.toml requirements.lock README.md /opt/ogi/
COPY --chown=airflow:root plugins /opt/ogi/plugins
COPY --chown=airflow:root include /opt/ogi/include
RUN pip install --no-cache-dir -r /opt/ogi/requirements.lock \
    && pip install --no-cache-dir --no-deps -e /opt/ogi \
    && python -m compileall -q /opt/ogi/plugins
