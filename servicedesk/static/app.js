/* Small progressive enhancements; every page works without them. */
(function () {
  "use strict";

  /* Type-ahead on the portal's search box: titles from /api/v1/search/suggest, keyboard friendly. */
  function setupSuggest(form) {
    var input = form.querySelector("input[role=combobox]");
    var list = form.querySelector("[role=listbox]");
    var url = form.getAttribute("data-suggest");
    var articleUrl = form.getAttribute("data-article-url") || "";
    if (!input || !list || !url) return;
    var timer = null, active = -1, items = [], seq = 0;

    function close() {
      list.hidden = true; list.innerHTML = ""; items = []; active = -1;
      input.setAttribute("aria-expanded", "false"); input.removeAttribute("aria-activedescendant");
    }
    function highlight(i) {
      var nodes = list.children;
      for (var k = 0; k < nodes.length; k++) nodes[k].setAttribute("aria-selected", k === i ? "true" : "false");
      active = i;
      if (i >= 0 && nodes[i]) input.setAttribute("aria-activedescendant", nodes[i].id);
      else input.removeAttribute("aria-activedescendant");
    }
    function go(item) {
      window.location.href = articleUrl.replace("999999999", encodeURIComponent(item.id));
    }
    function render(found) {
      list.innerHTML = ""; items = found; active = -1;
      if (!found.length) { close(); return; }
      found.forEach(function (item, i) {
        var li = document.createElement("li");
        li.id = "q-sugg-" + i; li.setAttribute("role", "option"); li.setAttribute("aria-selected", "false");
        var title = document.createElement("span"); title.textContent = item.title; li.appendChild(title);
        li.addEventListener("mousedown", function (e) { e.preventDefault(); go(item); });
        list.appendChild(li);
      });
      list.hidden = false; input.setAttribute("aria-expanded", "true");
    }
    function fetchSuggestions() {
      var q = input.value.trim();
      if (q.length < 1) { close(); return; }
      var mine = ++seq;
      fetch(url + "?q=" + encodeURIComponent(q), { headers: { "Accept": "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : { items: [] }; })
        .then(function (data) { if (mine === seq) render((data && data.items) || []); })
        .catch(function () { close(); });
    }
    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(fetchSuggestions, 180); });
    input.addEventListener("keydown", function (e) {
      if (list.hidden) return;
      if (e.key === "ArrowDown") { e.preventDefault(); highlight(Math.min(active + 1, items.length - 1)); }
      else if (e.key === "ArrowUp") { e.preventDefault(); highlight(Math.max(active - 1, -1)); }
      else if (e.key === "Escape") { close(); }
      else if (e.key === "Enter" && active >= 0) { e.preventDefault(); go(items[active]); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 120); });
  }

  /* Copy a shown secret (the new API token) to the clipboard. */
  function setupCopy(button) {
    button.addEventListener("click", function () {
      var target = document.querySelector(button.getAttribute("data-copy"));
      if (!target || !navigator.clipboard) return;
      navigator.clipboard.writeText(target.textContent.trim()).then(function () {
        button.textContent = button.getAttribute("data-copied") || button.textContent;
      });
    });
  }

  /* Ask before destructive posts (revoking a token). */
  function setupConfirm(form) {
    form.addEventListener("submit", function (e) {
      if (!window.confirm(form.getAttribute("data-confirm"))) e.preventDefault();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-suggest]").forEach(setupSuggest);
    document.querySelectorAll("[data-copy]").forEach(setupCopy);
    document.querySelectorAll("form[data-confirm]").forEach(setupConfirm);
  });
})();
