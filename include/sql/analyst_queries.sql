-- Example queries for analysts (not applied by migrations). Portable: SQLite and PostgreSQL.
-- Parameters are written :region (a region id), :year (statistics year) and :term (a search word);
-- replace them by literals in a SQL console, or bind them from Python (sqlalchemy.text).

-- 1. Table 三 of a region for a year: 总计 column per row, with how many reports printed each cell.
SELECT row_key, value_sum AS total, n_values, n_reports
FROM v_region_t3
WHERE region_id = :region AND year = :year AND col_key = 'total'
ORDER BY row_key;

-- 2. Ranking organs by 实质公开率, only where the minimum N is met (others are listed last, unranked).
SELECT m.scope_id AS organ_id, o.name AS organ_name, m.total_processed, m.disclosure_rate,
       m.meets_min_n_applications
FROM v_metrics m
JOIN organs o ON o.id = m.scope_id
JOIN v_region_organs ro ON ro.organ_id = o.id
WHERE m.scope = 'organ' AND m.year = :year AND ro.region_id = :region
ORDER BY m.meets_min_n_applications DESC, m.disclosure_rate DESC;

-- 3. Coverage and compliance of a region over all years.
SELECT year, organs_registered, reports_found, reports_parsed, reports_passing_hard_rules,
       reports_on_time, reports_late, reports_undated
FROM v_coverage
WHERE region_id = :region
ORDER BY year;

-- 4. Reports published after the statutory deadline (31 Jan / 31 Mar of Y+1).
SELECT organ_id, organ_name, organ_type, year, published_on, deadline
FROM v_report_compliance
WHERE on_time = 0
ORDER BY year, organ_id;

-- 5. Year-over-year change of the region's metrics.
SELECT year, prev_year, total_processed, prev_total_processed, total_processed_growth,
       disclosure_rate_change, carry_forward_rate_change, review_correction_rate_change
FROM v_metrics_yoy
WHERE scope = 'region' AND scope_id = :region
ORDER BY year;

-- 6. （六）其他处理 across the template change (harmonised; includes_derived = 1 for v2021 sums).
SELECT year, value_sum AS other_processing_total, n_reports, includes_derived
FROM v_region_t3_harmonised
WHERE region_id = :region AND row_key = 'other_processing' AND col_key = 'total'
ORDER BY year;

-- 7. Every failed hard rule of the region's current reports, for follow-up with the organs.
SELECT hf.organ_name, hf.year, hf.rule_id, hf.where_, hf.lhs, hf.rhs, hf.source_url
FROM v_hard_failures hf
JOIN v_region_organs ro ON ro.organ_id = hf.organ_id
WHERE ro.region_id = :region
ORDER BY hf.year, hf.organ_name, hf.rule_id;

-- 8. Full-text search in the narrative sections of current reports.
SELECT cr.organ_name, cr.year, s.section_key, s.body
FROM sections s
JOIN v_current_reports cr ON cr.report_id = s.report_id
WHERE s.body LIKE '%' || :term || '%'
ORDER BY cr.year, cr.organ_name;

-- 9. Where a number came from: the printed cell behind the region's 予以公开 total.
SELECT cr.organ_name, f.value_num, f.raw_text, f.read_as, f.src_table, f.src_row, f.src_col, f.page,
       cr.source_url
FROM facts f
JOIN v_current_reports cr ON cr.report_id = f.report_id
JOIN v_region_organs ro ON ro.organ_id = cr.organ_id
WHERE ro.region_id = :region AND cr.year = :year AND f.table_no = 3 AND f.row_key = 'granted'
  AND f.col_key = 'total';
