/**
 * The page's only style sheet and script, inlined (the page opens offline, from S3 or an e-mail
 * attachment). The Content-Security-Policy lets the page run exactly these two and load nothing: no
 * request leaves the page, and text that escaped escaping still could not run.
 *
 * The script only adds sorting and filtering to a table that is complete without it.
 */
import { createHash } from "node:crypto";

export const STYLE = `
:root{--ink:#1b1f24;--muted:#57606a;--line:#d0d7de;--bg:#fff;--soft:#f6f8fa;--risk:#b42318;--warn:#fff4e5;--warnline:#f79009;--ok:#067647;--bar:#2f6fb0;--bar2:#b42318}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:var(--ink);background:var(--bg)}
header,main,footer{max-width:1280px;margin:0 auto;padding:0 16px}
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
figcaption{font-weight:600;margin-bottom:4px}
svg text{font:12px system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;fill:var(--ink)}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{border-bottom:1px solid var(--line);padding:3px 6px;text-align:left;vertical-align:top}
th{background:var(--soft);position:sticky;top:0}
td.n,th.n{text-align:right}
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
  var table = document.getElementById("rows");
  if (!table) return;
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
  var controls = document.getElementById("row-controls");
  var text = document.getElementById("row-filter");
  var selects = Array.prototype.slice.call(controls.querySelectorAll("select[data-col]"));
  var count = document.getElementById("row-count");
  var lower = rows.map(function (r) { return r.textContent.toLowerCase(); });
  controls.hidden = false;

  function apply() {
    var needle = text.value.trim().toLowerCase();
    var wants = selects.filter(function (s) { return s.value !== ""; })
      .map(function (s) { return [Number(s.getAttribute("data-col")), s.value]; });
    var shown = 0;
    for (var i = 0; i < rows.length; i++) {
      var r = rows[i];
      var ok = needle === "" || lower[i].indexOf(needle) !== -1;
      for (var w = 0; ok && w < wants.length; w++) ok = r.cells[wants[w][0]].textContent === wants[w][1];
      r.hidden = !ok;
      if (ok) shown++;
    }
    count.textContent = String(shown);
  }
  text.addEventListener("input", apply);
  selects.forEach(function (s) { s.addEventListener("change", apply); });

  function keyOf(row, col, numeric) {
    var t = row.cells[col].textContent;
    if (!numeric) return t;
    var n = parseFloat(t.replace(/[^0-9.-]/g, ""));
    return isNaN(n) ? -Infinity : n;
  }
  heads.forEach(function (th, col) {
    var button = document.createElement("button");
    button.type = "button";
    while (th.firstChild) button.appendChild(th.firstChild);
    th.appendChild(button);
    // On the heading, not the button: a click anywhere in the cell sorts (the button gives the keyboard).
    th.addEventListener("click", function () {
      var dir = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
      heads.forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", dir);
      var numeric = th.getAttribute("data-type") === "num";
      var sign = dir === "ascending" ? 1 : -1;
      var keyed = rows.map(function (r, i) { return [keyOf(r, col, numeric), i, r]; });
      keyed.sort(function (a, b) {
        if (a[0] < b[0]) return -sign;
        if (a[0] > b[0]) return sign;
        return a[1] - b[1];
      });
      var fragment = document.createDocumentFragment();
      rows = keyed.map(function (k) { fragment.appendChild(k[2]); return k[2]; });
      lower = rows.map(function (r) { return r.textContent.toLowerCase(); });
      body.appendChild(fragment);
    });
  });
  apply();
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
