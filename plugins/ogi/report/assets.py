"""The page's template, CSS and script (constants: the package ships no data files).

The script only reads the JSON block and writes the drill-down panel with ``textContent``; links it
makes are http(s) only. It is allowed to run by its sha256 in the page's Content-Security-Policy.
"""

CSS = r"""
:root { --ink:#1f2933; --muted:#616e7c; --line:#d9e2ec; --accent:#2f5d8a; --bad:#b42318; --soft:#f5f7fa; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff; line-height: 1.5; font-size: 14px;
  font-family: "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "Microsoft YaHei", "PingFang SC",
  "Hiragino Sans GB", sans-serif; }
header.top { background: var(--accent); color: #fff; padding: 18px 32px 14px; }
header.top h1 { margin: 0 0 4px; font-size: 22px; font-weight: 600; }
header.top .sub { opacity: .9; font-size: 13px; }
header.top a { color: #fff; }
nav.years, nav.crumbs { margin-top: 6px; font-size: 13px; }
nav.years a, nav.years span { margin-right: 10px; }
nav.years span.here { font-weight: 700; text-decoration: underline; }
main { max-width: 1160px; margin: 0 auto; padding: 8px 32px 48px; }
section { margin-top: 28px; }
h2 { font-size: 18px; border-bottom: 2px solid var(--line); padding-bottom: 4px; margin-bottom: 10px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
p.note, .note { color: var(--muted); font-size: 12.5px; }
.kpis { display: flex; gap: 14px; flex-wrap: wrap; margin-top: 16px; }
.kpi { flex: 1 1 200px; background: var(--soft); border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; }
.kpi .v { font-size: 24px; font-weight: 600; }
.kpi .k { color: var(--muted); font-size: 12.5px; }
table { border-collapse: collapse; margin: 6px 0 10px; font-size: 13px; }
th, td { border: 1px solid var(--line); padding: 4px 8px; vertical-align: top; }
th { background: var(--soft); font-weight: 600; text-align: left; }
td.num, th.num, td.rank { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
tr.total td, tr.total th { font-weight: 700; background: #fbfcfd; }
a.n { color: var(--accent); text-decoration: none; border-bottom: 1px dotted var(--accent); cursor: pointer; }
a.n:hover, a.n:focus { background: #e6eef7; outline: none; }
.below-n, .below-n a.n { color: var(--muted); font-style: italic; }
figure.chart { margin: 10px 0 18px; }
figure.chart svg { max-width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: 12.5px; }
.cols { display: flex; gap: 28px; flex-wrap: wrap; align-items: flex-start; }
.cols > div { flex: 1 1 480px; min-width: 0; }
.cols.rates > div { flex: 1 1 320px; }
.failure { border-left: 3px solid var(--bad); padding: 2px 0 2px 12px; margin: 10px 0; }
.identity { font-size: 13px; }
.identity .term { white-space: nowrap; }
.identity .side { display: block; margin: 2px 0; }
.neq { color: var(--bad); font-weight: 700; padding: 0 6px; }
.rule { font-weight: 700; color: var(--bad); }
code, .mono { font-family: "Noto Sans Mono CJK SC", "DejaVu Sans Mono", monospace; font-size: 12px; word-break: break-all; }
ul.unranked { font-size: 13px; color: var(--muted); padding-left: 18px; }
details > summary { cursor: pointer; color: var(--accent); margin: 6px 0; }
aside#drill { position: fixed; top: 0; right: 0; bottom: 0; width: min(640px, 96vw); background: #fff;
  border-left: 1px solid var(--line); box-shadow: -4px 0 16px rgba(0,0,0,.12); padding: 14px 18px 24px;
  overflow: auto; z-index: 10; }
aside#drill[hidden] { display: none; }
aside#drill h3 { margin-top: 0; padding-right: 40px; }
aside#drill button.close { position: absolute; right: 14px; top: 10px; font-size: 18px; border: 0;
  background: none; cursor: pointer; }
aside#drill table { font-size: 12px; width: 100%; }
aside#drill .src { border: 1px solid var(--line); border-radius: 5px; padding: 8px 10px; margin: 8px 0; }
aside#drill .src dl { display: grid; grid-template-columns: 88px 1fr; gap: 2px 8px; margin: 0; }
aside#drill .src dt { color: var(--muted); }
aside#drill .src dd { margin: 0; word-break: break-all; }
footer { color: var(--muted); font-size: 12px; margin-top: 40px; border-top: 1px solid var(--line); padding-top: 10px; }
@media print { aside#drill { display: none; } a.n { border: 0; color: inherit; } }
"""

SCRIPT = r"""
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('ogi-sources').textContent);
  var F = {};
  data.fields.forEach(function (name, i) { F[name] = i; });
  var panel = document.getElementById('drill');
  var body = document.getElementById('drill-body');

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    if (cls) { e.className = cls; }
    return e;
  }
  function link(url, text) {
    if (typeof url === 'string' && /^https?:\/\//i.test(url)) {
      var a = el('a', text || url);
      a.href = url; a.target = '_blank'; a.rel = 'noopener noreferrer';
      return a;
    }
    return el('span', url || '—');
  }
  function dl(pairs) {
    var d = el('dl');
    pairs.forEach(function (p) {
      if (p[1] === undefined || p[1] === null || p[1] === '') { return; }
      d.appendChild(el('dt', p[0]));
      var dd = el('dd');
      if (p[1] instanceof Node) { dd.appendChild(p[1]); } else { dd.textContent = String(p[1]); }
      d.appendChild(dd);
    });
    return d;
  }
  function place(f) {
    var parts = [];
    if (f[F.page] !== null) { parts.push('第 ' + f[F.page] + ' 页'); }
    if (f[F.src_table] !== null) { parts.push('表格 #' + (f[F.src_table] + 1)); }
    if (f[F.src_row] !== null) { parts.push('行 ' + (f[F.src_row] + 1)); }
    if (f[F.src_col] !== null) { parts.push('格 ' + (f[F.src_col] + 1)); }
    if (f[F.bbox]) { parts.push('框 (' + f[F.bbox].join(', ') + ') pt'); }
    return parts.length ? parts.join(' · ') + '（从 1 数起）' : '（未记录位置：由规范 JSON 载入）';
  }
  function reportPairs(rid) {
    var r = data.reports[rid] || {};
    return [
      ['机关', r.organ_name + (r.organ_name_printed && r.organ_name_printed !== r.organ_name ? '（报告署名：' + r.organ_name_printed + '）' : '')],
      ['报告', r.title || '（无标题）'],
      ['来源 URL', link(r.source_url)],
      ['sha256', el('code', r.sha256)],
      ['版本', r.year + ' 年 · 第 ' + r.version + ' 版 · ' + (r.template_version || '—') + ' · ' + (r.source_format || '—')],
      ['公开日期', (r.published_on || '未注明') + '（期限 ' + (r.deadline || '—') + '）'],
      ['状态', r.status + (r.status_reason ? '：' + r.status_reason : '')]
    ];
  }
  function show(id) {
    var ref = data.refs[id];
    if (!ref) { return; }
    body.textContent = '';
    body.appendChild(el('h3', ref.label));
    if (ref.value) { body.appendChild(el('p', '数值：' + ref.value)); }
    if (ref.note) { body.appendChild(el('p', ref.note, 'note')); }
    if (ref.facts.length) {
      var total = 0, printed = 0;
      ref.facts.forEach(function (i) { var v = data.facts[i][F.value]; if (typeof v === 'number') { total += v; printed += 1; } });
      body.appendChild(el('p', ref.derived
        ? '由以下 ' + ref.facts.length + ' 个印刷单元格计算（公式见 v_metrics / 数据字典）'
        : '来源：' + ref.facts.length + ' 个印刷单元格（' + printed + ' 个有数值，合计 ' +
          (Math.round(total * 100) / 100) + '）', 'note'));
      ref.facts.forEach(function (i) {
        var f = data.facts[i];
        var box = el('div', null, 'src fact');
        var r = data.reports[f[F.report]] || {};
        box.appendChild(dl([
          ['单元格', data.labels[f[F.label]]],
          ['印刷文本', f[F.raw] === null ? '（空白或未记录）' : f[F.raw]],
          ['读数', (f[F.value] === null ? '空（NA）' : f[F.value]) + (f[F.read_as] ? '（' + f[F.read_as] + '）' : '')],
          ['位置', place(f)]
        ].concat(reportPairs(f[F.report]))));
        body.appendChild(box);
      });
    }
    ref.reports.forEach(function (rid) {
      var box = el('div', null, 'src report');
      box.appendChild(dl(reportPairs(rid)));
      body.appendChild(box);
    });
    ref.organs.forEach(function (oid) {
      var o = data.organs[oid] || {};
      var box = el('div', null, 'src organ');
      box.appendChild(dl([
        ['机关', o.organ_name], ['机关 id', oid], ['类型', o.organ_type],
        ['最近结果', o.outcome ? o.outcome + (o.reason ? '：' + o.reason : '') : '本年度未找到报告'],
        ['URL', o.url ? link(o.url) : null]
      ]));
      body.appendChild(box);
    });
    if (!ref.facts.length && !ref.reports.length && !ref.organs.length) {
      body.appendChild(el('p', '没有来源（没有报告或单元格）。', 'note'));
    }
    panel.hidden = false;
    panel.focus();
  }
  document.addEventListener('click', function (ev) {
    var a = ev.target.closest ? ev.target.closest('a[data-ref]') : null;
    if (!a) { return; }
    ev.preventDefault();
    show(a.getAttribute('data-ref'));
  });
  document.getElementById('drill-close').addEventListener('click', function () { panel.hidden = true; });
  document.addEventListener('keydown', function (ev) { if (ev.key === 'Escape') { panel.hidden = true; } });
})();
"""

# Jinja2 template (autoescape on). Macros: n(num) writes one linked number.
TEMPLATE = r"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{{ csp }}">
<meta name="generator" content="ogi report">
<title>{{ region.name }} {{ year }} 年政府信息公开工作年度报告分析</title>
<style>{{ css }}</style>
</head>
<body>
{% macro n(x) %}{% if x.ref %}<a class="n{% if x.cls %} {{ x.cls }}{% endif %}" href="#drill" data-ref="{{ x.ref }}">{{ x.text }}</a>{% else %}{{ x.text }}{% endif %}{% endmacro %}
{% macro organ_cell(o) %}<a class="n" href="#drill" data-ref="{{ o.report }}">{{ o.name or o.id }}</a>{% if o.printed and o.printed != o.name %} <span class="note">（署名：{{ o.printed }}）</span>{% endif %}{% endmacro %}
{% macro t3_head(first) %}<tr><th rowspan="2">{{ first }}</th><th class="num" rowspan="2">{{ s.t3_cols[0] }}</th><th colspan="{{ s.t3_cols|length - 2 }}">法人或其他组织</th><th class="num" rowspan="2">{{ s.t3_cols[-1] }}</th></tr>
<tr>{% for c in s.t3_cols[1:-1] %}<th class="num">{{ c }}</th>{% endfor %}</tr>{% endmacro %}
{% macro chart(key) %}{% if key in charts %}<figure class="chart" data-chart="{{ key }}">{{ svg(key) }}{% if charts[key].caption %}<figcaption>{{ charts[key].caption }}</figcaption>{% endif %}</figure>{% endif %}{% endmacro %}
<header class="top">
  <h1>{{ region.name }} · {{ year }} 年度政府信息公开工作年度报告分析</h1>
  <div class="sub">区域 <code>{{ region.id }}</code>（含下级区域的全部机关） · 数据来自 OGI 数据仓库的当前报告版本 · 生成于 {{ generated }}</div>
  {% if links.parent %}<nav class="crumbs">上级：<a href="{{ links.parent[0] }}">{{ links.parent[1] }}</a></nav>{% endif %}
  <nav class="years">年度：{% for y, href in links.years %}{% if y == year %}<span class="here">{{ y }}</span>{% elif href %}<a href="{{ href }}">{{ y }}</a>{% else %}<span>{{ y }}</span>{% endif %}{% endfor %}</nav>
</header>
<main>
<div class="kpis">
{% for k, x in s.kpis %}<div class="kpi"><div class="v">{{ n(x) }}</div><div class="k">{{ k }}</div></div>
{% endfor %}
</div>
<p class="note">表格中的每个数字都可点击：右侧显示它来自哪些报告的哪些印刷单元格（机关、报告 URL、sha256、表格/行/格或 PDF 页码与坐标框、印刷文本）。</p>

<section id="coverage">
<h2>一、报告公开与及时性</h2>
{{ chart("coverage") }}
{% if s.coverage %}
<table class="coverage">
<thead><tr><th>机关类型</th><th class="num">应公开</th><th class="num">按时公开</th><th class="num">逾期公开</th><th class="num">未注明日期</th><th class="num">未能解析</th><th class="num">未找到报告</th><th class="num">其中部分解析</th></tr></thead>
<tbody>
{% for row in s.coverage %}<tr class="{{ row.cls }}"><th>{{ row.label }}</th>{% for x in row.cells %}<td class="num">{{ n(x) }}</td>{% endfor %}</tr>
{% endfor %}
</tbody></table>
<p class="note">“未能解析”：找到了文件但读不出表格（如需 OCR 的扫描件），原因见下钻；“未找到报告”：门户栏目中没有该年度报告或抓取失败（见最近一次运行结果）；“部分解析”：缺少某张表或有解析警告，仍计入按时/逾期。</p>
{% else %}<p class="note">该区域没有登记在册的机关。</p>{% endif %}
</section>

<section id="applications">
<h2>二、依申请公开：收到的申请与办理结果（表三）</h2>
{{ chart("outcomes") }}
<table class="families">
<thead>{{ t3_head("办理结果") }}</thead>
<tbody>
{% for row in s.families %}<tr><th>{{ row.label }}</th>{% for x in row.cells %}<td class="num">{{ n(x) }}</td>{% endfor %}</tr>
{% endfor %}
</tbody></table>
<details><summary>表三全表（两版模板统一口径）</summary>
<table class="t3">
<thead>{{ t3_head("项目") }}</thead>
<tbody>
{% for row in s.t3 %}<tr><th>{{ row.label }}</th>{% for x in row.cells %}<td class="num">{{ n(x) }}</td>{% endfor %}</tr>
{% endfor %}
</tbody></table>
</details>
</section>

<section id="review">
<h2>三、行政复议与行政诉讼（表四）及纠错率</h2>
{{ chart("review") }}
<table class="t4">
<thead><tr><th>类别</th>{% for c in s.t4_cols %}<th class="num">{{ c }}</th>{% endfor %}<th class="num">已审结 N</th><th class="num">纠错率</th></tr></thead>
<tbody>
{% for row in s.t4 %}<tr{% if not row.cells %} class="total"{% endif %}><th>{{ row.label }}</th>{% if row.cells %}{% for x in row.cells %}<td class="num">{{ n(x) }}</td>{% endfor %}{% else %}<td colspan="{{ s.t4_cols|length }}" class="note">两类诉讼合计</td>{% endif %}<td class="num">{{ n(row.n) }}</td><td class="num">{{ n(row.rate) }}{% if not row.meets %} <span class="note">N&lt;{{ row.threshold }}</span>{% endif %}</td></tr>
{% endfor %}
</tbody></table>
<p class="note">纠错率 = 结果纠正 ÷（总计 − 尚未审结）（v_metrics）。已审结案件少于 {{ s.min_cases }} 件时，比率只作参考（灰色斜体），不排名、不比较。</p>
</section>

<section id="trends">
<h2>四、历年趋势</h2>
<div class="cols"><div>{{ chart("trend_volume") }}</div><div>{{ chart("trend_rates") }}</div></div>
<table class="trend">
<thead><tr><th>年度</th><th>模板</th><th class="num">报告数</th><th class="num">办理总计</th><th class="num">同比</th>{% for f in s.families_labels %}<th class="num">{{ f }}</th>{% endfor %}<th class="num">实质公开率</th><th class="num">复议纠错率</th><th class="num">诉讼纠错率</th></tr></thead>
<tbody>
{% for row in s.trend %}<tr{% if row.year == year %} class="total"{% endif %}><th>{% if row.year != year and links.year_href.get(row.year) %}<a href="{{ links.year_href[row.year] }}">{{ row.year }}</a>{% else %}{{ row.year }}{% endif %}</th><td>{{ row.versions }}{% if row.derived %}<sup title="（六）其他处理由 v2021 子项相加">*</sup>{% endif %}</td><td class="num">{{ n(row.n_reports) }}</td><td class="num">{{ n(row.total) }}</td><td class="num">{{ row.growth }}</td>{% for x in row.families %}<td class="num">{{ n(x) }}</td>{% endfor %}{% for key in ["disclosure_rate", "review_correction_rate", "lit_correction_rate"] %}{% set rc = row.rates[key] %}<td class="num">{{ n(rc.rate) }}</td>{% endfor %}</tr>
{% endfor %}
</tbody></table>
<p class="note">{% if s.template_change %}所列年份跨越模板修订：2020 年及以前为 2019 版（v2019），2021 年起为 2021 版（v2021）。{% endif %}两版可比的口径按 include/sql/04_harmonised.sql：（六）其他处理在 v2021 中取三个子项之和（标 *）；表二“对外公开总数量”（v2019）与“现行有效件数”（v2021）概念不同，不作比较。比率只在达到最低样本量时比较（灰色为不足）。</p>
</section>

<section id="rankings">
<h2>五、机关排名</h2>
<div class="cols">
<div>
<h3>办理申请量</h3>
{{ chart("rank_volume") }}
<details{% if s.rank_volume|length <= 12 %} open{% endif %}><summary>全部 {{ s.rank_volume|length }} 个机关</summary>
<table class="rank-volume"><thead><tr><th class="num">名次</th><th>机关</th><th class="num">办理总计</th></tr></thead><tbody>
{% for e in s.rank_volume %}<tr><td class="rank">{{ e.rank }}</td><td>{{ organ_cell(e.organ) }}</td><td class="num">{{ n(e.value) }}</td></tr>
{% endfor %}</tbody></table></details>
</div>
<div>{{ chart("rank_disclosure") }}</div>
</div>
<div class="cols rates">
{% for t in s.rank_rates %}
<div>
<h3>{{ t.label }}</h3>
<p class="note">最低样本量规则：只对分母不少于 {{ t.threshold }} {{ t.kind }}的机关排名（v_metric_params）；其余机关单列，不排名。</p>
{% if t.ranked %}<table class="rank-rate" data-rate="{{ t.key }}"><thead><tr><th class="num">名次</th><th>机关</th><th class="num">N</th><th class="num">{{ t.label }}</th></tr></thead><tbody>
{% for e in t.ranked %}<tr><td class="rank">{{ e.rank }}</td><td>{{ organ_cell(e.organ) }}</td><td class="num">{{ n(e.n) }}</td><td class="num">{{ n(e.rate) }}</td></tr>
{% endfor %}</tbody></table>{% else %}<p class="note">没有机关达到最低样本量。</p>{% endif %}
{% if t.unranked %}<details><summary>不参与排名的机关（{{ t.unranked|length }} 个，N &lt; {{ t.threshold }}）</summary>
<ul class="unranked" data-rate="{{ t.key }}">{% for e in t.unranked %}<li>{{ organ_cell(e.organ) }}：N = {{ n(e.n) }}，{{ n(e.rate) }}</li>{% endfor %}</ul></details>{% endif %}
</div>
{% endfor %}
</div>
</section>

<section id="failures">
<h2>六、未通过硬性规则的报告</h2>
{% if not s.failures %}<p>本年度没有报告未通过硬性（error 级）规则。</p>{% endif %}
{% for o in s.failures %}
<div class="failure" data-organ="{{ o.organ_id }}">
<h3>{{ organ_cell({"report": o.report, "name": o.organ, "id": o.organ_id, "printed": o.printed}) }}</h3>
<div class="note">{{ o.title }} · {% if o.url|http_only %}<a href="{{ o.url|http_only }}" rel="noopener noreferrer" target="_blank">{{ o.url }}</a>{% else %}{{ o.url }}{% endif %} · sha256 <code>{{ o.sha256 }}</code></div>
{% for it in o["items"] %}
<div class="identity" data-rule="{{ it.rule }}" data-where="{{ it.where }}"><span class="rule">{{ it.rule }}</span> {{ it.description }} <span class="note">[{{ it.where }}]</span>
{% if it.kind == "identity" %}
<span class="side">{% for t in it.lhs.terms %}<span class="term">{{ t.label }}（{{ n(t.value) }}）</span>{% if not loop.last %} ＋ {% endif %}{% endfor %} ＝ <b>{{ n(it.lhs.total) }}</b></span>
<span class="side"><span class="neq">≠{% if it.comparison == "≥" %}（应 ≥）{% endif %}</span></span>
<span class="side">{% for t in it.rhs.terms %}<span class="term">{{ t.label }}（{{ n(t.value) }}）</span>{% if not loop.last %} ＋ {% endif %}{% endfor %}{% if not it.rhs.terms %}0{% endif %} ＝ <b>{{ n(it.rhs.total) }}</b></span>
{% else %}
<span class="side">{% for t in it.terms %}<span class="term">{{ t.label }}（{{ n(t.value) }}）</span>{% if not loop.last %}；{% endif %}{% endfor %}</span>
{% endif %}
{% if it.imputed %}<span class="note">（空白单元格按 0 计）</span>{% endif %}
{% if it.detail and it.kind != "identity" %}<div class="note">{{ it.detail }}</div>{% endif %}
</div>
{% endfor %}
</div>
{% endfor %}
</section>

{% if s.children %}
<section id="children">
<h2>七、下级区域</h2>
<table class="children"><thead><tr><th>区域</th><th>级别</th><th class="num">应公开</th><th class="num">找到报告</th><th class="num">未通过硬性规则</th></tr></thead><tbody>
{% for c in s.children %}<tr><td>{% if links.children.get(c.id) %}<a class="child" href="{{ links.children[c.id] }}">{{ c.name }}</a>{% else %}{{ c.name }}{% endif %}</td><td>{{ c.level }}</td><td class="num">{{ n(c.registered) }}</td><td class="num">{{ n(c.found) }}</td><td class="num">{{ n(c.failing) }}</td></tr>
{% endfor %}</tbody></table>
</section>
{% endif %}

<footer>
数据：OGI 数据仓库视图 v_coverage、v_report_compliance、v_region_t3_harmonised、v_region_t4、v_metrics、v_metrics_yoy、v_metric_params、v_hard_failures（include/sql）与 facts 表的出处字段；
图表：Vega-Lite（vl-convert 离线渲染为 SVG）。本页不加载任何外部资源。
</footer>
</main>
<aside id="drill" hidden tabindex="-1" aria-label="数字来源">
<button type="button" class="close" id="drill-close" aria-label="关闭">×</button>
<div id="drill-body"></div>
</aside>
<script type="application/json" id="ogi-sources">{{ sources_json }}</script>
<script>{{ script }}</script>
</body>
</html>
"""
