/* The queue table: keyboard (j/k move, Enter opens, x ticks, a assigns to me, / searches, ? helps), the bulk
   bar's fields for the chosen action, and the rows refreshed in place every minute, keeping the ticked rows,
   the cursor and the scroll. */
(function () {
  "use strict";
  var table = document.querySelector("[data-queue]");
  if (!table) { return; }
  var REFRESH_MS = 60000;
  var cursorId = null;
  var help = document.querySelector("[data-shortcuts]");
  var stamp = document.querySelector("[data-refreshed]");

  function rows() { return Array.prototype.slice.call(table.querySelectorAll("tbody[data-rows] tr[data-id]")); }
  function tickbox(row) { return row.querySelector("input[type=checkbox][name=ids]"); }
  function typing(el) {
    return el && (el.isContentEditable || /^(INPUT|SELECT|TEXTAREA)$/.test(el.tagName)) && el.type !== "checkbox";
  }

  function mark(row) {
    row.setAttribute("aria-selected", tickbox(row) && tickbox(row).checked ? "true" : "false");
  }

  function setCursor(row, scroll) {
    rows().forEach(function (r) { r.classList.remove("is-cursor"); });
    if (!row) { cursorId = null; return; }
    row.classList.add("is-cursor");
    cursorId = row.getAttribute("data-id");
    if (scroll) { row.scrollIntoView({block: "nearest"}); }
  }

  function current() { return rows().filter(function (r) { return r.getAttribute("data-id") === cursorId; })[0]; }

  function move(step) {
    var all = rows();
    if (!all.length) { return; }
    var at = all.indexOf(current());
    var next = at < 0 ? (step > 0 ? 0 : all.length - 1) : Math.min(Math.max(at + step, 0), all.length - 1);
    setCursor(all[next], true);
  }

  function assignToMe() {
    var form = document.querySelector("[data-assign-me]");
    if (!form) { return; }
    var ticked = rows().filter(function (r) { return tickbox(r) && tickbox(r).checked; });
    var chosen = ticked.length ? ticked : (current() ? [current()] : []);
    if (!chosen.length) { return; }
    chosen.forEach(function (r) {
      var id = r.getAttribute("data-id");
      var ids = document.createElement("input");
      ids.type = "hidden"; ids.name = "ids"; ids.value = id;
      var version = document.createElement("input");
      version.type = "hidden"; version.name = "version-" + id;
      version.value = r.querySelector("[data-version]").value;
      form.appendChild(ids); form.appendChild(version);
    });
    form.submit();
  }

  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) { return; }
    if (help && help.open) { return; }
    var row = current();
    switch (e.key) {
      case "j": move(1); break;
      case "k": move(-1); break;
      case "Enter": if (row) { window.location.href = row.getAttribute("data-href"); } else { return; } break;
      case "x": if (row && tickbox(row)) { tickbox(row).checked = !tickbox(row).checked; mark(row); } break;
      case "a": assignToMe(); break;
      case "/": var q = document.querySelector("input[name=q]"); if (!q) { return; }
        var box = q.closest("details"); if (box) { box.open = true; } q.focus(); q.select(); break;
      case "?": if (help && help.showModal) { help.showModal(); } break;
      default: return;
    }
    e.preventDefault();
  });
  var opener = document.querySelector("[data-shortcuts-open]");
  if (opener && help) { opener.addEventListener("click", function () { help.showModal(); }); }
  table.addEventListener("change", function (e) {
    var row = e.target.closest("tr[data-id]");
    if (row) { mark(row); }
  });
  table.addEventListener("click", function (e) {
    var row = e.target.closest("tr[data-id]");
    if (row && !e.target.closest("a, input, button")) { setCursor(row, false); }
  });

  /* The bulk bar shows the fields its chosen action needs. */
  var bulk = document.querySelector("[data-bulk]");
  if (bulk) {
    var action = bulk.querySelector("[data-bulk-action]");
    var showFields = function () {
      bulk.querySelectorAll("[data-bulk-for]").forEach(function (el) {
        el.hidden = el.getAttribute("data-bulk-for").split(" ").indexOf(action.value) < 0;
      });
    };
    action.addEventListener("change", showFields);
    showFields();
  }

  /* Every minute the rows come again (while the page is seen and nobody types): ticks, cursor and scroll kept. */
  function refresh() {
    if (document.hidden || typing(document.activeElement) || (help && help.open)) { return; }
    var ticked = rows().filter(function (r) { return tickbox(r) && tickbox(r).checked; })
      .map(function (r) { return r.getAttribute("data-id"); });
    fetch(window.location.href, {credentials: "same-origin", headers: {"X-Queue-Refresh": "rows"}})
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html === null) { return; }
        var doc = new DOMParser().parseFromString("<table>" + html + "</table>", "text/html");
        var fresh = doc.querySelector("tbody[data-rows]");
        var old = table.querySelector("tbody[data-rows]");
        if (!fresh || !old) { return; }
        var y = window.scrollY;
        old.replaceWith(document.importNode(fresh, true));
        rows().forEach(function (r) {
          if (ticked.indexOf(r.getAttribute("data-id")) >= 0 && tickbox(r)) { tickbox(r).checked = true; }
          mark(r);
        });
        setCursor(current(), false);
        window.scrollTo(0, y);
        if (stamp) {
          var t = new Date();
          stamp.textContent = stamp.textContent.replace(/\d\d:\d\d:\d\d/, [t.getHours(), t.getMinutes(), t.getSeconds()]
            .map(function (n) { return (n < 10 ? "0" : "") + n; }).join(":"));
        }
      });
  }
  var every = parseInt(table.getAttribute("data-refresh-ms") || REFRESH_MS, 10);
  setInterval(refresh, every);
  rows().forEach(mark);
})();
