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
      list.hidden = true; list.textContent = ""; items = []; active = -1;
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
      /* What was typed travels along, so a fault report from the article starts with it. */
      window.location.href = articleUrl.replace("999999999", encodeURIComponent(item.id)) +
        "?q=" + encodeURIComponent(input.value.trim());
    }
    function render(found) {
      list.textContent = ""; items = found; active = -1;
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

  /* A form sent once: a second click while it is on its way does nothing (the server also refuses
     to make a second incident from the same form). */
  function setupOnce(form) {
    form.addEventListener("submit", function (e) {
      if (e.defaultPrevented) return;
      if (form.getAttribute("data-sending") === "1") { e.preventDefault(); return; }
      form.setAttribute("data-sending", "1");
      var button = form.querySelector("button[type=submit], button:not([type]), input[type=submit]");
      if (button) {
        button.setAttribute("aria-busy", "true");
        if (button.getAttribute("data-busy")) button.textContent = button.getAttribute("data-busy");
      }
      /* Back to this page from the browser's cache: sendable again. */
      window.addEventListener("pageshow", function () {
        form.removeAttribute("data-sending");
        if (button) button.removeAttribute("aria-busy");
      }, { once: true });
    });
  }

  /* A photo that is too large is refused before its upload starts, beside the field. */
  function setupMaxBytes(input) {
    var max = parseInt(input.getAttribute("data-max-bytes"), 10);
    var box = document.getElementById(input.id + "-err");
    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      var tooLarge = !!file && file.size > max;
      input.setCustomValidity(tooLarge ? input.getAttribute("data-too-large") : "");
      if (box) {
        box.textContent = "";
        if (tooLarge) {
          var p = document.createElement("p"); p.textContent = input.getAttribute("data-too-large"); box.appendChild(p);
        }
        box.hidden = !tooLarge && !box.children.length;
      }
      if (tooLarge) { input.setAttribute("aria-invalid", "true"); } else { input.removeAttribute("aria-invalid"); }
    });
    input.form && input.form.addEventListener("submit", function (e) {
      var file = input.files && input.files[0];
      if (file && file.size > max) { e.preventDefault(); input.focus(); }
    });
  }

  /* The navigation's "Manage" menu closes on Escape and on a click elsewhere. */
  function setupNavMenu(menu) {
    document.addEventListener("click", function (e) { if (menu.open && !menu.contains(e.target)) menu.open = false; });
    menu.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && menu.open) { menu.open = false; menu.querySelector("summary").focus(); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[type=file][data-max-bytes]").forEach(setupMaxBytes);
    document.querySelectorAll("form[data-once]").forEach(setupOnce);
    document.querySelectorAll("form[data-suggest]").forEach(setupSuggest);
    document.querySelectorAll("[data-copy]").forEach(setupCopy);
    document.querySelectorAll("form[data-confirm]").forEach(setupConfirm);
    document.querySelectorAll("details[data-navmenu]").forEach(setupNavMenu);
  });
})();
