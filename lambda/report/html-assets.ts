/**
 * The page's only style sheet and script, inlined (the page opens offline, from S3 or an e-mail
 * attachment). The Content-Security-Policy lets the page run exactly these two and load nothing: no
 * request leaves the page, and text that escaped escaping still could not run.
 *
 * The script only adds sorting and filtering to a table that is complete without it.
 */
import { createHash } from "node:crypto";

/**
 * Positions (1-based) of the numeric cells of the row table, right-aligned by position rather than by a
 * class on each of 50,000 cells (bytes the browser would parse for nothing); a unit test checks the row
 * table's columns (`numericRowCells`) against these. The duplicate column, when shown, is the eleventh (its
 * chunk tables carry `dup`).
 */
export const NUMERIC_ROW_CELLS = [1, 4, 5, 8] as const;
export const DUPLICATE_ROW_CELL = 11;

const numericCells = [
  ...NUMERIC_ROW_CELLS.map((n) => `.chunk td:nth-child(${n})`),
  `.chunk .dup td:nth-child(${DUPLICATE_ROW_CELL})`,
].join(",");

export const STYLE = `
:root{--ink:#1b1f24;--muted:#57606a;--line:#d0d7de;--bg:#fff;--soft:#f6f8fa;--risk:#b42318;--warn:#fff4e5;--warnline:#f79009;--ok:#067647;--bar:#2f6fb0;--bar2:#b42318}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:var(--ink);background:var(--bg)}
header,main,footer{max-width:1920px;margin:0 auto;padding:0 16px}
header{padding-top:16px}
h1{font-size:22px;margin:0 0 4px}
h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
h3{font-size:15px;margin:18px 0 6px}
.meta{color:var(--muted);margin:0}
.banner{border-left:4px solid var(--warnline);background:var(--warn);padding:8px 12px;margin:12px 0}
.warnings{border:2px solid var(--risk);background:#fef3f2;padding:8px 16px;margin:12px 0}
.warnings h2{color:var(--risk);border:0;margin:4px 0}
.warnings li{margin:4px 0}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(220px,1fr));gap:12px}
.card{border:1px solid var(--line);border-radius:6px;padding:10px 14px;background:var(--soft)}
.card .label{color:var(--muted);font-size:13px}
.card .value{font-size:24px;font-weight:600;font-variant-numeric:tabular-nums}
.card .sub{color:var(--muted);font-size:12px}
.card.risk .value,.card.now .value{color:var(--risk)}
.card.ok .value{color:var(--ok)}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:16px}
figure{margin:0}
figure svg{max-width:760px}
figcaption{font-weight:600;margin-bottom:4px}
svg text{font:12px system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;fill:var(--ink)}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{border-bottom:1px solid var(--line);padding:3px 6px;text-align:left;vertical-align:top}
th{background:var(--soft);position:sticky;top:0}
td.n,th.n{text-align:right}
td.n{white-space:nowrap}
.muted{color:var(--muted)}
tr.risk td:first-child{border-left:3px solid var(--risk)}
.explain{margin:4px 0 8px}
.explain dt{font-weight:600}
.explain dd{margin:0 0 4px 0}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
.controls{display:flex;flex-wrap:wrap;gap:8px;align-items:end;margin:8px 0}
.controls label{display:flex;flex-direction:column;font-size:12px;color:var(--muted)}
th button{all:unset;display:block;width:100%;cursor:pointer}
th button:focus-visible{outline:2px solid var(--bar)}
th[aria-sort=ascending] button::after{content:" \\25B2"}
th[aria-sort=descending] button::after{content:" \\25BC"}
.scroll{max-height:80vh;overflow:auto;border:1px solid var(--line)}
.rows table{table-layout:fixed;font-size:12px;line-height:1.4}
.rows td{overflow-wrap:anywhere}
.rows th{overflow-wrap:normal;hyphens:none}
.rows th,.rows td{padding:3px 4px}
.rows small{display:block;color:var(--muted);font-size:11px;line-height:1.2}
.chunk td:nth-child(5){white-space:nowrap}
.chunk td:nth-child(5) small{white-space:normal}
#rows-head{position:sticky;top:0;z-index:1}
.chunk{content-visibility:auto;contain-intrinsic-size:auto 6000px}
.group .scroll.long{content-visibility:auto;contain-intrinsic-size:auto 80vh}
${numericCells}{text-align:right}
col.c-ord{width:3.5em}col.c-driver_id{width:11.5em}col.c-lead_date{width:7.5em}col.c-milestone_value{width:6.5em}
col.c-amount{width:6.5em}col.c-verdict{width:8.5em}col.c-reason{width:11em}col.c-days_overdue{width:5.5em}
col.c-overdue_bucket{width:5em}col.c-claim_status{width:8.5em}col.c-duplicate_of{width:4.5em}col.c-ledger{width:8.5em}
@media (min-width:1700px){col.c-driver_id{width:22em}col.c-verdict{width:10.5em}col.c-reason{width:16em}col.c-overdue_bucket{width:6em}col.c-claim_status{width:14em}col.c-ledger{width:11em}}
dl.params{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px}
dl.params dt{color:var(--muted)}
dl.params dd{margin:0}
footer{color:var(--muted);font-size:12px;padding:24px 16px}
[hidden]{display:none!important}
@media print{.controls{display:none}.scroll{max-height:none;overflow:visible}}
`;

/**
 * Sorting: a click on a heading orders the rows by that column (numbers by value, the rest as text, ISO
 * dates therefore by date), ascending then descending, ties kept in their original order. Filtering: a
 * free-text search over the row and one exact-match choice per coded column; rows that do not match are
 * hidden, never removed.
 */
export const SCRIPT = `
(function () {
  "use strict";
  var box = document.getElementById("rows");
  var headTable = document.getElementById("rows-head");
  if (!box || !headTable) return;
  var heads = Array.prototype.slice.call(headTable.tHead.rows[0].cells);
  var controls = document.getElementById("row-controls");
  var text = document.getElementById("row-filter");
  var selects = Array.prototype.slice.call(controls.querySelectorAll("select[data-col]"));
  var count = document.getElementById("row-count");
  // The rows are gathered at the first sort or filter, not at load: opening the page spends nothing on them.
  var bodies = null, chunks = null, size = 0, rows = null, lower = null;
  function gather() {
    if (bodies) return;
    bodies = Array.prototype.slice.call(box.querySelectorAll(".chunk tbody"));
    chunks = bodies.map(function (b) { return b.closest(".chunk"); });
    size = bodies.length ? bodies[0].rows.length : 0;
    rows = Array.prototype.slice.call(box.querySelectorAll(".chunk tbody tr"));
  }
  controls.hidden = false;

  function apply() {
    gather();
    var needle = text.value.trim().toLowerCase();
    if (needle !== "" && lower === null) lower = rows.map(function (r) { return r.textContent.toLowerCase(); });
    var wants = selects.filter(function (s) { return s.value !== ""; })
      .map(function (s) { return [Number(s.getAttribute("data-col")), s.value]; });
    var shown = 0;
    for (var i = 0; i < rows.length; i++) {
      var r = rows[i];
      var ok = needle === "" || lower[i].indexOf(needle) !== -1;
      for (var w = 0; ok && w < wants.length; w++) ok = r.cells[wants[w][0]].textContent === wants[w][1];
      if (r.hidden === ok) r.hidden = !ok;
      if (ok) shown++;
    }
    // A chunk whose rows are all hidden takes no room.
    bodies.forEach(function (b, k) {
      var any = false;
      for (var j = 0; !any && j < b.rows.length; j++) any = !b.rows[j].hidden;
      chunks[k].hidden = !any;
    });
    count.textContent = String(shown);
  }
  text.addEventListener("input", apply);
  selects.forEach(function (s) { s.addEventListener("change", apply); });

  // A number is its cell's first text (an amount's note, in a <small> after it, is not part of it).
  function keyOf(row, col, numeric) {
    var cell = row.cells[col];
    if (!numeric) return cell.textContent;
    var first = cell.firstChild;
    var n = parseFloat((first ? first.textContent : "").replace(/[^0-9.-]/g, ""));
    return isNaN(n) ? -Infinity : n;
  }
  heads.forEach(function (th, col) {
    var button = document.createElement("button");
    button.type = "button";
    while (th.firstChild) button.appendChild(th.firstChild);
    th.appendChild(button);
    // On the heading, not the button: a click anywhere in the cell sorts (the button gives the keyboard).
    th.addEventListener("click", function () {
      gather();
      var dir = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
      heads.forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", dir);
      var numeric = th.getAttribute("data-type") === "num";
      var sign = dir === "ascending" ? 1 : -1;
      var keyed = rows.map(function (r, i) { return [keyOf(r, col, numeric), i, r, lower ? lower[i] : null]; });
      keyed.sort(function (a, b) {
        if (a[0] < b[0]) return -sign;
        if (a[0] > b[0]) return sign;
        return a[1] - b[1];
      });
      rows = keyed.map(function (k) { return k[2]; });
      if (lower) lower = keyed.map(function (k) { return k[3]; });
      // Refill the chunks in the new order, each with as many rows as it had.
      bodies.forEach(function (b, k) {
        var fragment = document.createDocumentFragment();
        rows.slice(k * size, (k + 1) * size).forEach(function (r) { fragment.appendChild(r); });
        b.appendChild(fragment);
      });
      apply();
    });
  });
})();
`;

const sha256 = (text: string) => `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;

/**
 * Nothing may be fetched (`default-src 'none'`, no form or base target); only this style sheet and this
 * script run, by hash. SVG charts are inline markup, so they need no `img-src`.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  `style-src ${sha256(STYLE)}`,
  `script-src ${sha256(SCRIPT)}`,
  "base-uri 'none'",
  "form-action 'none'",
].join("; ");
