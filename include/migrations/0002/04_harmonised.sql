-- Harmonised views across the v2019 and v2021 templates (REPORT_FORMAT.md section 3).
-- CAVEATS, stated in a column of every row:
--  * table 三 （六）其他处理: v2019 prints one row other_processing; v2021 splits it into three
--    sub-rows. Harmonised other_processing = the printed row if the report prints it (v2019, and
--    v2021 reports that keep the v2019 shape), else the sum of the printed v2021 sub-rows (derived).
--    The sub-rows are NOT back-filled for v2019 and are not shown here (use facts / v_t3_wide).
--  * table 二: 对外公开总数量 (total_published, v2019, cumulative published) and 现行有效件数
--    (in_force, v2021, stock in force) are different concepts: they stay separate concepts here and
--    are never coalesced. 本年新制作数量 (new_made) and 本年制发件数 (issued) share the concept
--    made_or_issued with a caveat. Rows and columns only one template has keep their own concept.

-- Table 三, one row per (current report, harmonised row, column).
CREATE VIEW v_t3_harmonised AS
SELECT cr.report_id, cr.organ_id, cr.year, cr.template_version, f.row_key, f.col_key, f.value_num,
       'as printed' AS basis
FROM v_current_reports cr
JOIN facts f ON f.report_id = cr.report_id AND f.table_no = 3
WHERE f.row_key NOT IN ('other_processing', 'other_no_correction', 'other_fee_unpaid', 'other_other')
UNION ALL
SELECT cr.report_id, cr.organ_id, cr.year, cr.template_version, f.row_key, f.col_key, f.value_num,
       'printed as one row (v2019 shape)' AS basis
FROM v_current_reports cr
JOIN facts f ON f.report_id = cr.report_id AND f.table_no = 3
WHERE f.row_key = 'other_processing'
UNION ALL
SELECT cr.report_id, cr.organ_id, cr.year, cr.template_version, 'other_processing' AS row_key, f.col_key,
       SUM(f.value_num) AS value_num,
       'derived: sum of the printed v2021 sub-rows other_no_correction + other_fee_unpaid + other_other' AS basis
FROM v_current_reports cr
JOIN facts f ON f.report_id = cr.report_id AND f.table_no = 3
WHERE f.row_key IN ('other_no_correction', 'other_fee_unpaid', 'other_other')
  AND NOT EXISTS (
      SELECT 1 FROM facts g
      WHERE g.report_id = f.report_id AND g.table_no = 3 AND g.row_key = 'other_processing'
        AND g.col_key = f.col_key)
GROUP BY cr.report_id, cr.organ_id, cr.year, cr.template_version, f.col_key;

-- Table 三 harmonised, per region x year across both templates: the rows both templates print come
-- straight from v_region_t3; other_processing sums, per report, the printed row or else the printed
-- v2021 sub-rows (the same rule as v_t3_harmonised, written against the region join so that a filter
-- on region and year applies before any fact is read). includes_derived = 1 when at least one value
-- is a sum of v2021 sub-rows.
CREATE VIEW v_region_t3_harmonised AS
SELECT region_id, year, row_key, col_key, value_sum, n_values, n_reports, 0 AS includes_derived
FROM v_region_t3
WHERE row_key NOT IN ('other_processing', 'other_no_correction', 'other_fee_unpaid', 'other_other')
UNION ALL
SELECT ro.region_id, cr.year, 'other_processing' AS row_key, f.col_key,
       SUM(f.value_num) AS value_sum,
       COUNT(f.value_num) AS n_values,
       COUNT(DISTINCT cr.report_id) AS n_reports,
       MAX(CASE WHEN f.row_key <> 'other_processing' THEN 1 ELSE 0 END) AS includes_derived
FROM v_current_reports cr
JOIN v_region_organs ro ON ro.organ_id = cr.organ_id
JOIN facts f ON f.report_id = cr.report_id AND f.table_no = 3
WHERE f.row_key = 'other_processing'
   OR (f.row_key IN ('other_no_correction', 'other_fee_unpaid', 'other_other')
       AND NOT EXISTS (
           SELECT 1 FROM facts g
           WHERE g.report_id = f.report_id AND g.table_no = 3 AND g.row_key = 'other_processing'
             AND g.col_key = f.col_key))
GROUP BY ro.region_id, cr.year, f.col_key;

-- Table 二, one row per (current report, printed cell) with its cross-template concept and caveat.
CREATE VIEW v_t2_harmonised AS
SELECT cr.report_id, cr.organ_id, cr.year, cr.template_version, f.row_key,
       CASE WHEN f.col_key IN ('new_made', 'issued') THEN 'made_or_issued' ELSE f.col_key END AS concept,
       f.col_key AS printed_col, f.value_num, f.unit,
       CASE f.col_key
           WHEN 'new_made' THEN '本年新制作数量 (v2019) ~ 本年制发件数 (v2021): comparable with caveat (制作 vs 制发)'
           WHEN 'issued' THEN '本年制发件数 (v2021) ~ 本年新制作数量 (v2019): comparable with caveat (制作 vs 制发)'
           WHEN 'total_published' THEN '对外公开总数量: cumulative published (v2019 only); never coalesced with in_force'
           WHEN 'in_force' THEN '现行有效件数: stock in force (v2021 only); never coalesced with total_published'
           WHEN 'decisions' THEN '处理决定数量 / 本年处理决定数量: same meaning in both templates'
           WHEN 'amount_wan' THEN '本年收费金额 in 万元 (v2021 only); money, not comparable with v2019 fee item counts'
           ELSE 'printed by one template only'
       END AS caveat
FROM v_current_reports cr
JOIN facts f ON f.report_id = cr.report_id AND f.table_no = 2;
