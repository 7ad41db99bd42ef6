#!/usr/bin/env bash
# The airflow-init service of docker-compose.yaml (baked into the image as /opt/ogi/compose-init.sh).
# One-off and idempotent: run again after an upgrade of the image (docs/operations.md, "Upgrading").
#   1. the Airflow metadata DB migrated (airflow db migrate)
#   2. the admin user: SimpleAuthManager's password file (user from AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS)
#   3. the pool ogi_portal_requests (a missing pool silently blocks the fetch tasks)
#   4. the Airflow connection ogi_warehouse (tasks read the warehouse URL from it)
#   5. the warehouse schema migrated (Alembic, ogi warehouse upgrade), and the analyst login's password
# Secrets come from the environment (docker-compose.yaml passes them from .env); none is printed.
set -euo pipefail

: "${OGI_ADMIN_USER:?}" "${OGI_ADMIN_PASSWORD:?set OGI_ADMIN_PASSWORD in .env}"
: "${OGI_WAREHOUSE_PASSWORD:?set OGI_WAREHOUSE_PASSWORD in .env}"
: "${AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE:?}"
for v in OGI_ADMIN_PASSWORD OGI_WAREHOUSE_PASSWORD AIRFLOW__CORE__FERNET_KEY AIRFLOW__API_AUTH__JWT_SECRET \
         AIRFLOW__CELERY__BROKER_URL AIRFLOW__DATABASE__SQL_ALCHEMY_CONN; do
  if [[ "${!v:-}" == *change-me* ]]; then
    echo "airflow-init: $v still holds a placeholder from .env.example: put real secrets in .env" >&2
    exit 1
  fi
done

echo "airflow-init: $(airflow version 2>/dev/null | tail -1), ogi-reports from $(python -c 'from ogi import config; print(config.PACKAGE_DIR)')"

echo "1/5 metadata database"
airflow db migrate

echo "2/5 admin user ${OGI_ADMIN_USER}"
python - <<'PY'
import json, os, pathlib
path = pathlib.Path(os.environ["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"])
path.parent.mkdir(parents=True, exist_ok=True)
users = json.loads(path.read_text() or "{}") if path.exists() else {}
users[os.environ["OGI_ADMIN_USER"]] = os.environ["OGI_ADMIN_PASSWORD"]
path.write_text(json.dumps(users))
path.chmod(0o660)
PY

echo "3/5 pool ogi_portal_requests (${OGI_PORTAL_POOL_SLOTS:-4} slots)"
airflow pools set ogi_portal_requests "${OGI_PORTAL_POOL_SLOTS:-4}" "OGI: concurrent fetch batches against the portals"

echo "4/5 connection ogi_warehouse"
WAREHOUSE_URI="$(python -c 'import os, urllib.parse as u; print("postgresql://{}:{}@{}:{}/{}".format(
    os.environ.get("OGI_WAREHOUSE_USER", "ogi"), u.quote(os.environ["OGI_WAREHOUSE_PASSWORD"], safe=""),
    os.environ.get("OGI_WAREHOUSE_HOST", "warehouse-db"), os.environ.get("OGI_WAREHOUSE_PORT", "5432"),
    os.environ.get("OGI_WAREHOUSE_DB", "warehouse")))')"
airflow connections delete ogi_warehouse >/dev/null 2>&1 || true
airflow connections add ogi_warehouse --conn-uri "${WAREHOUSE_URI}" >/dev/null

echo "5/5 warehouse schema"
ogi warehouse upgrade --warehouse "${WAREHOUSE_URI}"
if [[ -n "${OGI_ANALYST_PASSWORD:-}" ]]; then
  WAREHOUSE_URI="${WAREHOUSE_URI}" python - <<'PY'
import os
import psycopg
from psycopg import sql
login = os.environ.get("OGI_ANALYST_LOGIN") or "ogi_reader"
with psycopg.connect(os.environ["WAREHOUSE_URI"], autocommit=True) as conn:
    conn.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(sql.Identifier(login), sql.Literal(os.environ["OGI_ANALYST_PASSWORD"])))
print(f"analyst login {login}: password set")
PY
fi
echo "airflow-init: done"
