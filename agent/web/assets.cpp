// The one stylesheet and the one script of the clerk's pages, served from memory: the pages work
// with no internet at all (no CDN, no web fonts: the system's fonts carry Vietnamese).
#include "agent/web/pages.hpp"

namespace motcua::agent::web {

const char* const kAppCss = R"CSS(
* { box-sizing: border-box; }
body { margin: 0; font-family: "Segoe UI", Arial, "Noto Sans", "DejaVu Sans", sans-serif; font-size: 15px; color: #1d2733; background: #f3f5f8; }
header.top { display: flex; flex-wrap: wrap; align-items: center; gap: 12px 24px; padding: 8px 16px; background: #8b1a1a; color: #fff; }
header.top .office { font-weight: 600; }
header.top nav { display: flex; gap: 4px; }
header.top nav a { color: #fff; text-decoration: none; padding: 6px 10px; border-radius: 4px; }
header.top nav a.active, header.top nav a:hover { background: rgba(255,255,255,.18); }
header.top .sync { display: flex; align-items: center; gap: 8px; margin-left: auto; }
header.top .user { display: flex; align-items: center; gap: 8px; }
header form { margin: 0; }
#sync-indicator { display: inline-flex; align-items: center; gap: 6px; padding: 4px 10px; border-radius: 12px; font-size: 14px; background: #fff; color: #1d2733; }
#sync-indicator .dot { width: 10px; height: 10px; border-radius: 50%; background: #888; }
#sync-indicator.sync-green .dot { background: #1e8e3e; }
#sync-indicator.sync-amber .dot { background: #e8a100; }
#sync-indicator.sync-red .dot { background: #c5221f; }
#sync-indicator.sync-red { background: #fde8e7; color: #8a1411; font-weight: 600; }
.sync-detail { padding: 4px 16px; font-size: 13px; color: #44505c; background: #e9edf2; }
.sync-detail.sync-red { background: #fde8e7; color: #8a1411; }
.warning { padding: 6px 16px; background: #fff4ce; color: #5c4300; }
main { max-width: 1100px; margin: 0 auto; padding: 16px; }
h1 { font-size: 22px; margin: 8px 0 16px; }
h2 { font-size: 17px; margin: 24px 0 8px; }
fieldset { border: 1px solid #cfd6de; border-radius: 6px; margin: 0 0 14px; padding: 10px 14px; background: #fff; }
legend { font-weight: 600; padding: 0 4px; }
label { display: block; margin: 6px 0; }
label input, label select, label textarea { display: block; width: 100%; margin-top: 3px; }
label.check { display: flex; align-items: center; gap: 6px; }
label.check input { width: auto; display: inline; margin: 0; }
input, select, textarea, button { font: inherit; padding: 6px 8px; border: 1px solid #aab4bf; border-radius: 4px; }
button, a.button { background: #fff; cursor: pointer; color: #1d2733; text-decoration: none; display: inline-block; }
a.button { padding: 6px 10px; border: 1px solid #aab4bf; border-radius: 4px; }
#procedure-search { width: 100%; margin-bottom: 6px; }
#documents input[name^="doc_name_"] { width: 100%; }
button.primary, #receive-submit, #login-submit { background: #8b1a1a; color: #fff; border-color: #8b1a1a; font-weight: 600; padding: 8px 18px; }
header button { padding: 3px 10px; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(260px, 1fr)); gap: 0 16px; }
#procedure { height: auto; }
#documents td input[type=number] { width: 70px; }
table.list, #documents { width: 100%; border-collapse: collapse; background: #fff; }
table.list th, table.list td, #documents th, #documents td { border-bottom: 1px solid #dde3ea; padding: 6px 8px; text-align: left; vertical-align: top; }
table.list tr.lost td { color: #8a1411; }
td.note { white-space: pre-line; }
.queues { display: flex; flex-wrap: wrap; gap: 6px; margin-bottom: 12px; }
.queues a { padding: 8px 12px; background: #fff; border: 1px solid #cfd6de; border-radius: 6px; text-decoration: none; color: #1d2733; }
.queues a.active { border-color: #8b1a1a; box-shadow: inset 0 -3px 0 #8b1a1a; }
.queues a[data-alert] .count { background: #c5221f; color: #fff; }
.queues .count { display: inline-block; min-width: 24px; padding: 1px 6px; border-radius: 10px; background: #e9edf2; text-align: center; font-weight: 600; }
#search-form { display: flex; gap: 8px; margin: 8px 0 16px; }
#search-form input { flex: 1; }
dl.facts { display: grid; grid-template-columns: 200px 1fr; gap: 4px 12px; background: #fff; padding: 12px; border-radius: 6px; }
dl.facts dt { color: #5a6570; }
dl.facts dd { margin: 0; }
.status { font-weight: 600; }
.actions { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: 12px; }
.actions form { background: #fff; padding: 10px 12px; border: 1px solid #cfd6de; border-radius: 6px; }
.flash { background: #e6f4ea; color: #0d652d; padding: 8px 12px; border-radius: 4px; }
.form-errors { background: #fde8e7; color: #8a1411; padding: 8px 12px 8px 32px; border-radius: 4px; }
.hint { color: #5a6570; font-size: 13px; }
.login { max-width: 360px; margin: 40px auto; background: #fff; padding: 20px; border-radius: 8px; }
.buttons { margin: 12px 0; }
details.refuse { margin-top: 16px; background: #fff; padding: 8px 12px; border-radius: 6px; }
.prints { display: flex; gap: 8px; flex-wrap: wrap; }
.print-page { background: #fff; }
.toolbar { padding: 8px 16px; background: #e9edf2; }
.sheet { max-width: 148mm; margin: 0 auto; padding: 8mm 0; font-family: "Times New Roman", "Liberation Serif", "DejaVu Serif", serif; font-size: 13px; }
.sheet p { margin: 4px 0; }
.form-head { width: 100%; text-align: center; font-size: 12px; }
.form-head td { width: 50%; vertical-align: top; }
.form-title { text-align: center; text-transform: uppercase; font-size: 15px; margin: 12px 0 4px; }
.upper { text-transform: uppercase; }
.bold { font-weight: 700; }
.italic { font-style: italic; }
.center { text-align: center; }
.place-date { text-align: right; margin-top: 10px; }
table.docs { width: 100%; border-collapse: collapse; margin: 4px 0 8px; }
table.docs th, table.docs td { border: 1px solid #000; padding: 2px 4px; font-size: 12px; }
table.docs td:nth-child(n+3) { text-align: center; }
table.signatures { width: 100%; text-align: center; margin-top: 10px; }
table.signatures td { width: 50%; vertical-align: top; }
.sign-space { height: 18mm; }
.reason { white-space: pre-line; font-weight: 600; }
@page { size: A5 portrait; margin: 10mm; }
@media print {
  .no-print { display: none !important; }
  body { background: #fff; }
  .sheet { max-width: none; padding: 0; }
}
)CSS";

const char* const kAppJs = R"JS(
"use strict";
// Folds Vietnamese text for search the way the server does: no diacritics, lower case, đ → d.
function fold(text) {
  return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[đĐ]/g, "d").toLowerCase().replace(/\s+/g, " ").trim();
}

function setupProcedureSearch() {
  const search = document.getElementById("procedure-search");
  const select = document.getElementById("procedure");
  if (!search || !select) return;
  const limit = document.getElementById("procedure-limit");
  const showLimit = () => {
    const opt = select.selectedOptions[0];
    if (limit) limit.textContent = opt ? "Thời hạn giải quyết: " + (opt.dataset.limit || "(không ghi)") : "";
  };
  const fillDocuments = () => {
    const opt = select.selectedOptions[0];
    if (!opt || !opt.dataset.docs) return;
    const names = opt.dataset.docs.split(/[;\n]/).map((s) => s.trim()).filter((s) => s);
    names.slice(0, 8).forEach((name, i) => {
      const input = document.querySelector('input[name="doc_name_' + (i + 1) + '"]');
      if (input && !input.value) input.value = name;
    });
  };
  const filter = () => {
    const q = fold(search.value);
    let first = null;
    for (const opt of select.options) {
      const match = !q || opt.dataset.fold.includes(q);
      opt.hidden = !match;
      if (match && !first) first = opt;
    }
    const current = select.selectedOptions[0];
    if (first && (!current || current.hidden)) first.selected = true;
    showLimit();
  };
  search.addEventListener("input", filter);
  search.addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); select.focus(); } });
  select.addEventListener("change", () => { showLimit(); fillDocuments(); });
  if (search.value) filter(); else showLimit();
}

function setupSyncIndicator() {
  const indicator = document.getElementById("sync-indicator");
  const form = document.getElementById("sync-form");
  if (!indicator) return;
  const text = document.getElementById("sync-text");
  const detail = document.getElementById("sync-detail");
  const refresh = async () => {
    try {
      const r = await fetch("/api/sync-state", { credentials: "same-origin", cache: "no-store" });
      if (!r.ok) return;
      const s = await r.json();
      indicator.className = "sync-" + s.state;
      indicator.dataset.state = s.state;
      indicator.title = s.detail || "";
      text.textContent = s.text;
      if (detail) { detail.textContent = s.detail || ""; detail.className = "sync-detail no-print sync-" + s.state; }
    } catch (e) { /* the agent itself is unreachable: keep the last state */ }
  };
  setInterval(refresh, 3000);
  if (form) {
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const button = document.getElementById("sync-now");
      button.disabled = true;
      try {
        await fetch("/sync", { method: "POST", body: new URLSearchParams(new FormData(form)), credentials: "same-origin",
                               headers: { "Accept": "application/json" } });
      } finally {
        setTimeout(() => { button.disabled = false; refresh(); }, 1000);
        refresh();
      }
    });
  }
}

function setupPrint() {
  const button = document.getElementById("print");
  if (button) button.addEventListener("click", () => window.print());
}

document.addEventListener("DOMContentLoaded", () => {
  setupProcedureSearch();
  setupSyncIndicator();
  setupPrint();
});
)JS";

}  // namespace motcua::agent::web
