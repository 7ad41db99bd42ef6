-- Typed wide views per table (one row per report and printed row), for analysts who prefer columns.
-- Only current report versions. NULL = blank or not printed (never 0).

-- Table 三: one row per (report, row_key); the seven applicant columns as columns.
CREATE VIEW v_t3_wide AS
SELECT cr.report_id, cr.organ_id, cr.year, cr.template_version, f.row_key,
       MAX(CASE WHEN f.col_key = 'natural_person' THEN f.value_num END) AS natural_person,
       MAX(CASE WHEN f.col_key = 'commercial_enterprise' THEN f.value_num END) AS commercial_enterprise,
       MAX(CASE WHEN f.col_key = 'research_institution' THEN f.value_num END) AS research_institution,
       MAX(CASE WHEN f.col_key = 'social_welfare_org' THEN f.value_num END) AS social_welfare_org,
       MAX(CASE WHEN f.col_key = 'legal_service_org' THEN f.value_num END) AS legal_service_org,
       MAX(CASE WHEN f.col_key = 'other_org' THEN f.value_num END) AS other_org,
       MAX(CASE WHEN f.col_key = 'total' THEN f.value_num END) AS total
FROM v_current_reports cr
JOIN facts f ON f.report_id = cr.report_id AND f.table_no = 3
GROUP BY cr.report_id, cr.organ_id, cr.year, cr.template_version, f.row_key;

-- Table 四: one row per report; the 15 cells as columns.
CREATE VIEW v_t4_wide AS
SELECT cr.report_id, cr.organ_id, cr.year, cr.template_version,
       MAX(CASE WHEN f.row_key = 'review_upheld' THEN f.value_num END) AS review_upheld,
       MAX(CASE WHEN f.row_key = 'review_corrected' THEN f.value_num END) AS review_corrected,
       MAX(CASE WHEN f.row_key = 'review_other' THEN f.value_num END) AS review_other,
       MAX(CASE WHEN f.row_key = 'review_pending' THEN f.value_num END) AS review_pending,
       MAX(CASE WHEN f.row_key = 'review_total' THEN f.value_num END) AS review_total,
       MAX(CASE WHEN f.row_key = 'lit_direct_upheld' THEN f.value_num END) AS lit_direct_upheld,
       MAX(CASE WHEN f.row_key = 'lit_direct_corrected' THEN f.value_num END) AS lit_direct_corrected,
       MAX(CASE WHEN f.row_key = 'lit_direct_other' THEN f.value_num END) AS lit_direct_other,
       MAX(CASE WHEN f.row_key = 'lit_direct_pending' THEN f.value_num END) AS lit_direct_pending,
       MAX(CASE WHEN f.row_key = 'lit_direct_total' THEN f.value_num END) AS lit_direct_total,
       MAX(CASE WHEN f.row_key = 'lit_after_review_upheld' THEN f.value_num END) AS lit_after_review_upheld,
       MAX(CASE WHEN f.row_key = 'lit_after_review_corrected' THEN f.value_num END) AS lit_after_review_corrected,
       MAX(CASE WHEN f.row_key = 'lit_after_review_other' THEN f.value_num END) AS lit_after_review_other,
       MAX(CASE WHEN f.row_key = 'lit_after_review_pending' THEN f.value_num END) AS lit_after_review_pending,
       MAX(CASE WHEN f.row_key = 'lit_after_review_total' THEN f.value_num END) AS lit_after_review_total
FROM v_current_reports cr
JOIN facts f ON f.report_id = cr.report_id AND f.table_no = 4
GROUP BY cr.report_id, cr.organ_id, cr.year, cr.template_version;

-- Table 二: one row per (report, row_key); the union of both templates' columns (a column a
-- template does not print is NULL). unit is the unit of the money column of that row, if any.
CREATE VIEW v_t2_wide AS
SELECT cr.report_id, cr.organ_id, cr.year, cr.template_version, f.row_key,
       MAX(CASE WHEN f.col_key = 'new_made' THEN f.value_num END) AS new_made,
       MAX(CASE WHEN f.col_key = 'new_published' THEN f.value_num END) AS new_published,
       MAX(CASE WHEN f.col_key = 'total_published' THEN f.value_num END) AS total_published,
       MAX(CASE WHEN f.col_key = 'issued' THEN f.value_num END) AS issued,
       MAX(CASE WHEN f.col_key = 'repealed' THEN f.value_num END) AS repealed,
       MAX(CASE WHEN f.col_key = 'in_force' THEN f.value_num END) AS in_force,
       MAX(CASE WHEN f.col_key = 'prev_items' THEN f.value_num END) AS prev_items,
       MAX(CASE WHEN f.col_key = 'change' THEN f.value_num END) AS change,
       MAX(CASE WHEN f.col_key = 'decisions' THEN f.value_num END) AS decisions,
       MAX(CASE WHEN f.col_key = 'projects' THEN f.value_num END) AS projects,
       MAX(CASE WHEN f.col_key = 'amount' THEN f.value_num END) AS amount,
       MAX(CASE WHEN f.col_key = 'amount_wan' THEN f.value_num END) AS amount_wan,
       MAX(CASE WHEN f.col_key IN ('amount', 'amount_wan') THEN f.unit END) AS unit
FROM v_current_reports cr
JOIN facts f ON f.report_id = cr.report_id AND f.table_no = 2
GROUP BY cr.report_id, cr.organ_id, cr.year, cr.template_version, f.row_key;
