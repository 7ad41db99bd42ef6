-- Coverage and compliance per region x year: registered organs vs reports found vs parsed vs passing
-- every hard (error-severity) rule; publication timeliness against the statutory deadline
-- (reports.deadline, from ogi.templates.publication_deadline: 31 Jan Y+1 for departments, 街道 and
-- 乡镇, 31 Mar Y+1 for a government's own report; REPORT_FORMAT.md 4.2).

-- Per current report: hard-rule outcome and timeliness. on_time is NULL when the report prints no
-- date or the organ's type (hence its deadline) is unknown.
CREATE VIEW v_report_compliance AS
SELECT cr.report_id, cr.organ_id, cr.organ_name, cr.organ_type, cr.region_id, cr.year, cr.status,
       cr.published_on, cr.deadline,
       CASE WHEN cr.published_on IS NULL OR cr.deadline IS NULL THEN NULL
            WHEN cr.published_on <= cr.deadline THEN 1 ELSE 0 END AS on_time,
       COUNT(vr.id) AS n_results,
       SUM(CASE WHEN vr.status = 'failed' AND vr.severity = 'error' THEN 1 ELSE 0 END) AS n_hard_failed,
       SUM(CASE WHEN vr.status = 'failed' AND vr.severity = 'warning' THEN 1 ELSE 0 END) AS n_soft_failed,
       CASE WHEN cr.status IN ('parsed', 'partial') AND COUNT(vr.id) > 0
                 AND SUM(CASE WHEN vr.status = 'failed' AND vr.severity = 'error' THEN 1 ELSE 0 END) = 0
            THEN 1 ELSE 0 END AS passes_hard_rules
FROM v_current_reports cr
LEFT JOIN validation_results vr ON vr.report_id = cr.report_id
GROUP BY cr.report_id, cr.organ_id, cr.organ_name, cr.organ_type, cr.region_id, cr.year, cr.status,
         cr.published_on, cr.deadline;

-- Per region x year (years = those with any loaded report). Only registered organs active in the year
-- count as expected publishers; reports of organs seen only through `ogi load` are not counted here.
CREATE VIEW v_coverage AS
WITH years AS (SELECT DISTINCT year FROM reports),
expected AS (
    SELECT ro.region_id, y.year, o.id AS organ_id
    FROM organs o
    JOIN v_region_organs ro ON ro.organ_id = o.id
    CROSS JOIN years y
    WHERE o.registered
      AND (o.first_year IS NULL OR o.first_year <= y.year)
      AND (o.last_year IS NULL OR o.last_year >= y.year)
)
SELECT e.region_id, e.year,
       COUNT(*) AS organs_registered,
       COUNT(rc.report_id) AS reports_found,
       SUM(CASE WHEN rc.status IN ('parsed', 'partial') THEN 1 ELSE 0 END) AS reports_parsed,
       SUM(CASE WHEN rc.status = 'quarantined' THEN 1 ELSE 0 END) AS reports_quarantined,
       SUM(CASE WHEN rc.passes_hard_rules = 1 THEN 1 ELSE 0 END) AS reports_passing_hard_rules,
       SUM(CASE WHEN rc.n_hard_failed > 0 THEN 1 ELSE 0 END) AS reports_with_hard_failures,
       SUM(CASE WHEN rc.on_time = 1 THEN 1 ELSE 0 END) AS reports_on_time,
       SUM(CASE WHEN rc.on_time = 0 THEN 1 ELSE 0 END) AS reports_late,
       SUM(CASE WHEN rc.report_id IS NOT NULL AND rc.on_time IS NULL THEN 1 ELSE 0 END) AS reports_undated
FROM expected e
LEFT JOIN v_report_compliance rc ON rc.organ_id = e.organ_id AND rc.year = e.year
GROUP BY e.region_id, e.year;

-- Every failed hard rule of a current report, for follow-up with the organ.
CREATE VIEW v_hard_failures AS
SELECT cr.report_id, cr.organ_id, cr.organ_name, cr.region_id, cr.year, cr.source_url,
       vr.rule_id, vr.where_ AS where_, vr.lhs, vr.rhs, vr.cells, vr.imputed_zero, vr.detail, vr.run_id
FROM v_current_reports cr
JOIN validation_results vr ON vr.report_id = cr.report_id
WHERE vr.status = 'failed' AND vr.severity = 'error';
