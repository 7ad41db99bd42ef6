"""OGI Reports: fetch, parse, validate and load 政府信息公开工作年度报告."""
