-- The metric dictionary (docs/warehouse.md, "Metrics") as views.
-- Every rate is NULL (NA) when its denominator is 0 or blank: never 0, never 100 %.
-- Inputs come from the 总计 column of table 三 and the 总计 cells of table 四. A blank numerator part
-- counts as 0 when the denominator is printed (as the hard identities do, REPORT_FORMAT.md 2.6).
-- Rankings must respect the minimum-N flags (meets_min_n_*): a rate over 3 applications ranks nobody.

-- Thresholds: the one place the minimum N lives.
CREATE VIEW v_metric_params AS
SELECT 10 AS min_n_applications, 5 AS min_n_cases;

-- The dictionary itself: id, Chinese name, formula, denominator, minimum-N flag.
CREATE VIEW v_metric_dictionary AS
SELECT 'disclosure_rate' AS metric, '实质公开率' AS name_zh,
       '(granted + partial_grant) / total_processed' AS formula,
       'total_processed' AS denominator, 'meets_min_n_applications' AS min_n_flag
UNION ALL SELECT 'denial_rate', '不予公开率', 'sum(denied_*) / total_processed',
       'total_processed', 'meets_min_n_applications'
UNION ALL SELECT 'unable_rate', '无法提供率', 'sum(unable_*) / total_processed',
       'total_processed', 'meets_min_n_applications'
UNION ALL SELECT 'notproc_rate', '不予处理率', 'sum(notproc_*) / total_processed',
       'total_processed', 'meets_min_n_applications'
UNION ALL SELECT 'carry_forward_rate', '结转率', 'carried_forward / (new_received + carried_over)',
       'new_received + carried_over', 'meets_min_n_applications'
UNION ALL SELECT 'review_correction_rate', '复议纠错率', 'review_corrected / (review_total - review_pending)',
       'review_total - review_pending', 'meets_min_n_review'
UNION ALL SELECT 'lit_direct_correction_rate', '诉讼纠错率（未经复议直接起诉）',
       'lit_direct_corrected / (lit_direct_total - lit_direct_pending)',
       'lit_direct_total - lit_direct_pending', 'meets_min_n_lit_direct'
UNION ALL SELECT 'lit_after_review_correction_rate', '诉讼纠错率（复议后起诉）',
       'lit_after_review_corrected / (lit_after_review_total - lit_after_review_pending)',
       'lit_after_review_total - lit_after_review_pending', 'meets_min_n_lit_after_review'
UNION ALL SELECT 'lit_correction_rate', '诉讼纠错率（合计）',
       '(lit_direct_corrected + lit_after_review_corrected) / (lit_direct_total - lit_direct_pending + lit_after_review_total - lit_after_review_pending)',
       'both litigation groups decided', 'meets_min_n_lit'
UNION ALL SELECT 'yoy_*', '同比变化', 'metric(Y) - metric(Y-1) (rates, in points of the ratio); volume(Y) / volume(Y-1) - 1',
       'same scope, Y-1', 'both years meet their minimum N';

-- Inputs per current report: the 总计 column of table 三 and the table 四 cells the metrics use.
CREATE VIEW v_metric_inputs_report AS
SELECT cr.report_id, cr.organ_id, cr.year,
       SUM(CASE WHEN f.table_no = 3 AND f.row_key = 'new_received' THEN f.value_num END) AS new_received,
       SUM(CASE WHEN f.table_no = 3 AND f.row_key = 'carried_over' THEN f.value_num END) AS carried_over,
       SUM(CASE WHEN f.table_no = 3 AND f.row_key = 'granted' THEN f.value_num END) AS granted,
       SUM(CASE WHEN f.table_no = 3 AND f.row_key = 'partial_grant' THEN f.value_num END) AS partial_grant,
       SUM(CASE WHEN f.table_no = 3 AND SUBSTR(f.row_key, 1, 7) = 'denied_' THEN f.value_num END) AS denied,
       SUM(CASE WHEN f.table_no = 3 AND SUBSTR(f.row_key, 1, 7) = 'unable_' THEN f.value_num END) AS unable,
       SUM(CASE WHEN f.table_no = 3 AND SUBSTR(f.row_key, 1, 8) = 'notproc_' THEN f.value_num END) AS notproc,
       SUM(CASE WHEN f.table_no = 3 AND f.row_key = 'total_processed' THEN f.value_num END) AS total_processed,
       SUM(CASE WHEN f.table_no = 3 AND f.row_key = 'carried_forward' THEN f.value_num END) AS carried_forward,
       SUM(CASE WHEN f.table_no = 4 AND f.row_key = 'review_corrected' THEN f.value_num END) AS review_corrected,
       SUM(CASE WHEN f.table_no = 4 AND f.row_key = 'review_pending' THEN f.value_num END) AS review_pending,
       SUM(CASE WHEN f.table_no = 4 AND f.row_key = 'review_total' THEN f.value_num END) AS review_total,
       SUM(CASE WHEN f.table_no = 4 AND f.row_key = 'lit_direct_corrected' THEN f.value_num END) AS lit_direct_corrected,
       SUM(CASE WHEN f.table_no = 4 AND f.row_key = 'lit_direct_pending' THEN f.value_num END) AS lit_direct_pending,
       SUM(CASE WHEN f.table_no = 4 AND f.row_key = 'lit_direct_total' THEN f.value_num END) AS lit_direct_total,
       SUM(CASE WHEN f.table_no = 4 AND f.row_key = 'lit_after_review_corrected' THEN f.value_num END)
           AS lit_after_review_corrected,
       SUM(CASE WHEN f.table_no = 4 AND f.row_key = 'lit_after_review_pending' THEN f.value_num END)
           AS lit_after_review_pending,
       SUM(CASE WHEN f.table_no = 4 AND f.row_key = 'lit_after_review_total' THEN f.value_num END)
           AS lit_after_review_total
FROM v_current_reports cr
JOIN facts f ON f.report_id = cr.report_id
WHERE (f.table_no = 3 AND f.col_key = 'total') OR f.table_no = 4
GROUP BY cr.report_id, cr.organ_id, cr.year;

-- The same inputs per scope: 'organ' (one current report) and 'region' (summed over its organs). The
-- region branch aggregates facts directly (same CASE list as v_metric_inputs_report) so that a filter
-- on region and year applies before facts are read.
CREATE VIEW v_metric_inputs AS
SELECT 'organ' AS scope, organ_id AS scope_id, year, 1 AS n_reports,
       new_received, carried_over, granted, partial_grant, denied, unable, notproc, total_processed,
       carried_forward, review_corrected, review_pending, review_total, lit_direct_corrected,
       lit_direct_pending, lit_direct_total, lit_after_review_corrected, lit_after_review_pending,
       lit_after_review_total
FROM v_metric_inputs_report
UNION ALL
SELECT 'region', ro.region_id, cr.year, COUNT(DISTINCT cr.report_id),
       SUM(CASE WHEN f.table_no = 3 AND f.row_key = 'new_received' THEN f.value_num END) AS new_received,
       SUM(CASE WHEN f.table_no = 3 AND f.row_key = 'carried_over' THEN f.value_num END) AS carried_over,
       SUM(CASE WHEN f.table_no = 3 AND f.row_key = 'granted' THEN f.value_num END) AS granted,
       SUM(CASE WHEN f.table_no = 3 AND f.row_key = 'partial_grant' THEN f.value_num END) AS partial_grant,
       SUM(CASE WHEN f.table_no = 3 AND SUBSTR(f.row_key, 1, 7) = 'denied_' THEN f.value_num END) AS denied,
       SUM(CASE WHEN f.table_no = 3 AND SUBSTR(f.row_key, 1, 7) = 'unable_' THEN f.value_num END) AS unable,
       SUM(CASE WHEN f.table_no = 3 AND SUBSTR(f.row_key, 1, 8) = 'notproc_' THEN f.value_num END) AS notproc,
       SUM(CASE WHEN f.table_no = 3 AND f.row_key = 'total_processed' THEN f.value_num END) AS total_processed,
       SUM(CASE WHEN f.table_no = 3 AND f.row_key = 'carried_forward' THEN f.value_num END) AS carried_forward,
       SUM(CASE WHEN f.table_no = 4 AND f.row_key = 'review_corrected' THEN f.value_num END) AS review_corrected,
       SUM(CASE WHEN f.table_no = 4 AND f.row_key = 'review_pending' THEN f.value_num END) AS review_pending,
       SUM(CASE WHEN f.table_no = 4 AND f.row_key = 'review_total' THEN f.value_num END) AS review_total,
       SUM(CASE WHEN f.table_no = 4 AND f.row_key = 'lit_direct_corrected' THEN f.value_num END) AS lit_direct_corrected,
       SUM(CASE WHEN f.table_no = 4 AND f.row_key = 'lit_direct_pending' THEN f.value_num END) AS lit_direct_pending,
       SUM(CASE WHEN f.table_no = 4 AND f.row_key = 'lit_direct_total' THEN f.value_num END) AS lit_direct_total,
       SUM(CASE WHEN f.table_no = 4 AND f.row_key = 'lit_after_review_corrected' THEN f.value_num END)
           AS lit_after_review_corrected,
       SUM(CASE WHEN f.table_no = 4 AND f.row_key = 'lit_after_review_pending' THEN f.value_num END)
           AS lit_after_review_pending,
       SUM(CASE WHEN f.table_no = 4 AND f.row_key = 'lit_after_review_total' THEN f.value_num END)
           AS lit_after_review_total
FROM v_current_reports cr
JOIN v_region_organs ro ON ro.organ_id = cr.organ_id
JOIN facts f ON f.report_id = cr.report_id
WHERE (f.table_no = 3 AND f.col_key = 'total') OR f.table_no = 4
GROUP BY ro.region_id, cr.year;

-- The metrics, per scope (organ | region) x year, with their denominators and minimum-N flags.
CREATE VIEW v_metrics AS
SELECT d.scope, d.scope_id, d.year, d.year + 1 AS next_year, d.n_reports,
       d.total_processed, d.applications_open, d.review_decided, d.lit_direct_decided,
       d.lit_after_review_decided,
       CASE WHEN d.total_processed > 0 THEN
           CAST(COALESCE(d.granted, 0) + COALESCE(d.partial_grant, 0) AS DOUBLE PRECISION) / d.total_processed
       END AS disclosure_rate,
       CASE WHEN d.total_processed > 0 THEN CAST(COALESCE(d.denied, 0) AS DOUBLE PRECISION) / d.total_processed
       END AS denial_rate,
       CASE WHEN d.total_processed > 0 THEN CAST(COALESCE(d.unable, 0) AS DOUBLE PRECISION) / d.total_processed
       END AS unable_rate,
       CASE WHEN d.total_processed > 0 THEN CAST(COALESCE(d.notproc, 0) AS DOUBLE PRECISION) / d.total_processed
       END AS notproc_rate,
       CASE WHEN d.applications_open > 0 THEN
           CAST(COALESCE(d.carried_forward, 0) AS DOUBLE PRECISION) / d.applications_open
       END AS carry_forward_rate,
       CASE WHEN d.review_decided > 0 THEN
           CAST(COALESCE(d.review_corrected, 0) AS DOUBLE PRECISION) / d.review_decided
       END AS review_correction_rate,
       CASE WHEN d.lit_direct_decided > 0 THEN
           CAST(COALESCE(d.lit_direct_corrected, 0) AS DOUBLE PRECISION) / d.lit_direct_decided
       END AS lit_direct_correction_rate,
       CASE WHEN d.lit_after_review_decided > 0 THEN
           CAST(COALESCE(d.lit_after_review_corrected, 0) AS DOUBLE PRECISION) / d.lit_after_review_decided
       END AS lit_after_review_correction_rate,
       CASE WHEN COALESCE(d.lit_direct_decided, 0) + COALESCE(d.lit_after_review_decided, 0) > 0 THEN
           CAST(COALESCE(d.lit_direct_corrected, 0) + COALESCE(d.lit_after_review_corrected, 0) AS DOUBLE PRECISION)
           / (COALESCE(d.lit_direct_decided, 0) + COALESCE(d.lit_after_review_decided, 0))
       END AS lit_correction_rate,
       CASE WHEN COALESCE(d.total_processed, 0) >= p.min_n_applications THEN 1 ELSE 0 END AS meets_min_n_applications,
       CASE WHEN COALESCE(d.review_decided, 0) >= p.min_n_cases THEN 1 ELSE 0 END AS meets_min_n_review,
       CASE WHEN COALESCE(d.lit_direct_decided, 0) >= p.min_n_cases THEN 1 ELSE 0 END AS meets_min_n_lit_direct,
       CASE WHEN COALESCE(d.lit_after_review_decided, 0) >= p.min_n_cases THEN 1 ELSE 0 END
           AS meets_min_n_lit_after_review,
       CASE WHEN COALESCE(d.lit_direct_decided, 0) + COALESCE(d.lit_after_review_decided, 0) >= p.min_n_cases
           THEN 1 ELSE 0 END AS meets_min_n_lit
FROM (
    SELECT i.*,
           i.new_received + i.carried_over AS applications_open,
           i.review_total - i.review_pending AS review_decided,
           i.lit_direct_total - i.lit_direct_pending AS lit_direct_decided,
           i.lit_after_review_total - i.lit_after_review_pending AS lit_after_review_decided
    FROM v_metric_inputs i
) d
CROSS JOIN v_metric_params p;

-- Year-over-year change per scope (joined on next_year so a filter on year reaches both sides): rate differences (Y minus Y-1) and volume growth; NULL when either
-- year lacks the value or a volume of Y-1 is 0. Rate changes are only given when both years meet
-- their minimum N.
CREATE VIEW v_metrics_yoy AS
SELECT c.scope, c.scope_id, c.year, c.year - 1 AS prev_year,
       c.total_processed, p.total_processed AS prev_total_processed,
       CASE WHEN p.total_processed > 0 THEN
           CAST(c.total_processed AS DOUBLE PRECISION) / p.total_processed - 1
       END AS total_processed_growth,
       CASE WHEN c.meets_min_n_applications = 1 AND p.meets_min_n_applications = 1 THEN
           c.disclosure_rate - p.disclosure_rate END AS disclosure_rate_change,
       CASE WHEN c.meets_min_n_applications = 1 AND p.meets_min_n_applications = 1 THEN
           c.denial_rate - p.denial_rate END AS denial_rate_change,
       CASE WHEN c.meets_min_n_applications = 1 AND p.meets_min_n_applications = 1 THEN
           c.unable_rate - p.unable_rate END AS unable_rate_change,
       CASE WHEN c.meets_min_n_applications = 1 AND p.meets_min_n_applications = 1 THEN
           c.notproc_rate - p.notproc_rate END AS notproc_rate_change,
       CASE WHEN c.meets_min_n_applications = 1 AND p.meets_min_n_applications = 1 THEN
           c.carry_forward_rate - p.carry_forward_rate END AS carry_forward_rate_change,
       CASE WHEN c.meets_min_n_review = 1 AND p.meets_min_n_review = 1 THEN
           c.review_correction_rate - p.review_correction_rate END AS review_correction_rate_change,
       CASE WHEN c.meets_min_n_lit = 1 AND p.meets_min_n_lit = 1 THEN
           c.lit_correction_rate - p.lit_correction_rate END AS lit_correction_rate_change
FROM v_metrics c
JOIN v_metrics p ON p.scope = c.scope AND p.scope_id = c.scope_id AND p.next_year = c.year;
