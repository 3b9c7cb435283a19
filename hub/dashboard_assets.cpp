// The dashboard's one stylesheet and one script, served from memory (no CDN, no web fonts).
namespace motcua::hub {

extern const char* const kDashboardCss;
extern const char* const kDashboardJs;

const char* const kDashboardCss = R"CSS(
* { box-sizing: border-box; }
body { margin: 0; font-family: "Segoe UI", Arial, "Noto Sans", "DejaVu Sans", sans-serif; font-size: 14px; color: #1d2733; background: #f3f5f8; }
header.top { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 24px; padding: 8px 16px; background: #123e6b; color: #fff; }
header.top .brand { font-weight: 600; }
header.top nav { display: flex; gap: 4px; }
header.top nav a { color: #fff; text-decoration: none; padding: 6px 10px; border-radius: 4px; }
header.top nav a.active, header.top nav a:hover { background: rgba(255,255,255,.18); }
header.top .user { display: flex; align-items: center; gap: 8px; margin-left: auto; }
header form { margin: 0; }
main { padding: 16px; max-width: 1600px; margin: 0 auto; }
h1 { font-size: 21px; margin: 6px 0 12px; }
h2 { font-size: 16px; margin: 20px 0 8px; }
.meta, .quiet { color: #5a6570; }
.error { color: #8a1411; background: #fde8e7; padding: 8px 12px; border-radius: 4px; }
input, select, button { font: inherit; padding: 5px 8px; border: 1px solid #aab4bf; border-radius: 4px; }
button, a.button { background: #fff; cursor: pointer; color: #1d2733; text-decoration: none; display: inline-block; }
a.button { padding: 5px 10px; border: 1px solid #aab4bf; border-radius: 4px; }
button.primary { background: #123e6b; color: #fff; border-color: #123e6b; font-weight: 600; }
section.login { max-width: 360px; margin: 40px auto; background: #fff; padding: 20px; border-radius: 8px; }
section.login label { display: block; margin: 10px 0; }
section.login input { display: block; width: 100%; margin-top: 4px; }
.cards { display: flex; flex-wrap: wrap; gap: 10px; margin: 8px 0 4px; }
.card { display: flex; flex-direction: column; min-width: 150px; padding: 10px 14px; border-radius: 8px; background: #fff; text-decoration: none; color: #1d2733; border-left: 6px solid #888; }
.card .n { font-size: 26px; font-weight: 700; }
.card.active { box-shadow: 0 0 0 2px #123e6b; }
.state-red.card, .badge.state-red { border-color: #c5221f; }
.state-amber.card { border-color: #e8a100; }
.state-green.card { border-color: #1e8e3e; }
.state-grey.card { border-color: #9aa4ae; }
.badge { display: inline-block; padding: 2px 8px; border-radius: 10px; font-size: 13px; font-weight: 600; white-space: nowrap; }
.badge.state-red { background: #c5221f; color: #fff; }
.badge.state-amber { background: #f6c445; color: #3a2a00; }
.badge.state-green { background: #1e8e3e; color: #fff; }
.badge.state-grey { background: #d5dae0; color: #3a444e; }
ul.alerts { list-style: none; padding: 0; margin: 0 0 8px; }
ul.alerts li { padding: 6px 10px; margin: 3px 0; border-radius: 4px; background: #fff4ce; }
ul.alerts li.sev-red { background: #fde8e7; color: #8a1411; }
.filters { display: flex; flex-wrap: wrap; align-items: flex-end; gap: 10px; margin: 12px 0; }
.filters label { display: flex; flex-direction: column; gap: 3px; }
.scroll { overflow-x: auto; }
table.list { width: 100%; border-collapse: collapse; background: #fff; }
table.list th, table.list td { border-bottom: 1px solid #dde3ea; padding: 5px 7px; text-align: left; vertical-align: top; }
table.list th { background: #e9edf2; position: sticky; top: 0; }
table.sortable th { cursor: pointer; user-select: none; }
table.sortable th[aria-sort=ascending]::after { content: " ▲"; }
table.sortable th[aria-sort=descending]::after { content: " ▼"; }
table.report td[data-key] { text-align: right; }
table.report tr.total td { font-weight: 700; background: #eef2f6; }
tr.state-red td { background: #fff5f4; }
tr.batch-quarantined td, tr.batch-refused td { color: #8a1411; }
dl.facts { display: grid; grid-template-columns: 280px 1fr; gap: 4px 12px; background: #fff; padding: 12px; border-radius: 6px; }
dl.facts dt { color: #5a6570; }
dl.facts dd { margin: 0; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; margin-top: 16px; }
figure.chart { margin: 0; background: #fff; padding: 10px; border-radius: 6px; }
figure.chart figcaption { font-weight: 600; margin-bottom: 6px; }
svg text.label, svg text.value { font-size: 11px; fill: #1d2733; }
.legend .sw { display: inline-block; width: 12px; height: 12px; margin: 0 4px 0 12px; vertical-align: middle; }
.sw-blue { background: #3b6fb6; } .sw-green { background: #1e8e3e; } .sw-red { background: #c5221f; }
@media print { header.top, .filters, #csv-link, #json-link { display: none; } }
)CSS";

const char* const kDashboardJs = R"JS(
'use strict';
// Sort a table by a column when its header is clicked (numbers by data-v, text by locale).
function sortTable(table, index, type) {
  const th = table.tHead.rows[0].cells[index];
  const dir = th.getAttribute('aria-sort') === 'ascending' ? 'descending' : 'ascending';
  for (const c of table.tHead.rows[0].cells) c.removeAttribute('aria-sort');
  th.setAttribute('aria-sort', dir);
  const body = table.tBodies[0];
  const rows = Array.from(body.rows);
  const key = r => {
    const cell = r.cells[index];
    const v = cell.hasAttribute('data-v') ? cell.getAttribute('data-v') : cell.textContent.trim();
    return type === 'num' ? (v === '' ? -Infinity : Number(v)) : v;
  };
  rows.sort((a, b) => {
    const x = key(a), y = key(b);
    const c = type === 'num' ? x - y : String(x).localeCompare(String(y), 'vi');
    return dir === 'ascending' ? c : -c;
  });
  for (const r of rows) body.appendChild(r);
}
document.addEventListener('DOMContentLoaded', () => {
  for (const table of document.querySelectorAll('table.sortable')) {
    Array.from(table.tHead.rows[0].cells).forEach((th, i) => {
      th.addEventListener('click', () => sortTable(table, i, th.dataset.type === 'num' ? 'num' : 'text'));
    });
  }
  // The fleet page refreshes itself every 30 s unless someone is typing in the filters.
  if (document.getElementById('offices')) {
    setInterval(() => {
      const a = document.activeElement;
      if (a && (a.tagName === 'INPUT' || a.tagName === 'SELECT')) return;
      location.reload();
    }, 30000);
  }
});
)JS";

}  // namespace motcua::hub
