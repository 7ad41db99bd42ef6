-- Municipal summaries: per region x year, summed over the current reports of every organ in the
-- region or below it (v_region_organs). Sums skip blanks; a sum over blanks only is NULL (NA), never 0.
-- n_reports = reports contributing any cell; n_values = printed (non-blank) cells summed.

-- Table 三: every row x column total.
CREATE VIEW v_region_t3 AS
SELECT ro.region_id, cr.year, f.row_key, f.col_key,
       SUM(f.value_num) AS value_sum,
       COUNT(f.value_num) AS n_values,
       COUNT(DISTINCT cr.report_id) AS n_reports
FROM v_current_reports cr
JOIN v_region_organs ro ON ro.organ_id = cr.organ_id
JOIN facts f ON f.report_id = cr.report_id AND f.table_no = 3
GROUP BY ro.region_id, cr.year, f.row_key, f.col_key;

-- Table 四: the 15 cells totalled (col_key is always 'value').
CREATE VIEW v_region_t4 AS
SELECT ro.region_id, cr.year, f.row_key,
       SUM(f.value_num) AS value_sum,
       COUNT(f.value_num) AS n_values,
       COUNT(DISTINCT cr.report_id) AS n_reports
FROM v_current_reports cr
JOIN v_region_organs ro ON ro.organ_id = cr.organ_id
JOIN facts f ON f.report_id = cr.report_id AND f.table_no = 4
GROUP BY ro.region_id, cr.year, f.row_key;

-- Table 二: totals per template version (the two templates' columns mean different things, see
-- v_t2_harmonised) and per unit (money printed in 元 and in 万元 is never added together).
CREATE VIEW v_region_t2 AS
SELECT ro.region_id, cr.year, cr.template_version, f.row_key, f.col_key, f.unit,
       SUM(f.value_num) AS value_sum,
       COUNT(f.value_num) AS n_values,
       COUNT(DISTINCT cr.report_id) AS n_reports
FROM v_current_reports cr
JOIN v_region_organs ro ON ro.organ_id = cr.organ_id
JOIN facts f ON f.report_id = cr.report_id AND f.table_no = 2
GROUP BY ro.region_id, cr.year, cr.template_version, f.row_key, f.col_key, f.unit;
