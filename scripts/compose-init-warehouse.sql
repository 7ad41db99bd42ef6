-- docker-compose only: a separate database and owner for the OGI warehouse beside Airflow's metadata DB.
CREATE USER warehouse WITH PASSWORD 'warehouse';
CREATE DATABASE warehouse OWNER warehouse;
