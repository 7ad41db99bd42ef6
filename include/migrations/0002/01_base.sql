-- Base views: current report versions, and which organs belong to a region (including sub-regions).
-- Portable SQL: runs unchanged on SQLite (3.35+) and PostgreSQL (13+). Applied by Alembic revision 0002.
-- Booleans are tested bare (WHERE r.is_current) because SQLite stores them as 0/1.

-- Every region paired with itself and each of its ancestors (township -> county/district -> city).
-- depth 0 is the region itself. The depth guard stops a (never expected) parent cycle.
CREATE VIEW v_region_ancestors AS
WITH RECURSIVE anc(region_id, ancestor_id, depth) AS (
    SELECT id, id, 0 FROM regions
    UNION ALL
    SELECT a.region_id, r.parent_id, a.depth + 1
    FROM anc a
    JOIN regions r ON r.id = a.ancestor_id
    WHERE r.parent_id IS NOT NULL AND a.depth < 16
)
SELECT region_id, ancestor_id, depth FROM anc;

-- Organs counted in a region's summaries: those whose own region is the region or lies below it.
CREATE VIEW v_region_organs AS
SELECT a.ancestor_id AS region_id, o.id AS organ_id, o.region_id AS organ_region_id
FROM organs o
JOIN v_region_ancestors a ON a.region_id = o.region_id;

-- The current version of every organ-year's report (one row per organ-year), whatever its status.
-- Data views join facts to this view, so quarantined reports (which have no facts) drop out there.
CREATE VIEW v_current_reports AS
SELECT r.id AS report_id,
       r.organ_id,
       o.name AS organ_name,
       o.type AS organ_type,
       o.region_id,
       r.year,
       r.version,
       r.template_version,
       r.template_version_detected,
       r.template_version_expected,
       r.status,
       r.status_reason,
       r.title,
       r.published_on,
       r.deadline,
       r.source_url,
       r.sha256,
       r.fetched_at,
       r.parser_version,
       r.run_id
FROM reports r
JOIN organs o ON o.id = r.organ_id
WHERE r.is_current;
