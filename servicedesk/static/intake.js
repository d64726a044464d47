/* Hotline intake: look the caller up as the agent types (phone, its last digits, account or name), fill the
   form from the picked subscriber record, show their open and recent incidents beside it, and show the area
   the zone gives. Without this script the same page works with plain links and a reload. */
(function () {
  "use strict";
  var lookup = document.querySelector("[data-intake-lookup]");
  var form = document.querySelector("[data-intake-form]");
  if (!lookup || !form) { return; }
  var input = lookup.querySelector("input[name=q]");
  var list = lookup.querySelector("[data-intake-matches]");
  var card = document.querySelector("[data-intake-picked]");
  var panel = document.querySelector("[data-intake-panel]");
  var zone = form.querySelector("select[name=zone]");
  var area = form.querySelector("select[name=area]");
  var areaHint = form.querySelector("[data-intake-area-hint]");
  var areaText = form.querySelector("[data-intake-area]");
  var zoneData = JSON.parse(form.getAttribute("data-zone-areas") || "{}");
  var timer = null;
  var asked = "";

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text) { node.textContent = text; }
    return node;
  }

  function showAreaHint() {
    var code = zone ? zone.value : "";
    var value = (zoneData.areas || {})[code];
    if (!areaHint) { return; }
    areaHint.hidden = !value;
    if (value && areaText) { areaText.textContent = (zoneData.labels || {})[value] || value; }
  }

  function loadPanel() {
    if (!panel) { return; }
    var account = form.querySelector("[name=customer_account]").value.trim();
    var phone = form.querySelector("[name=caller_phone]").value.trim();
    var picked = form.querySelector("[data-intake-subscriber]").value;
    /* After a chase the agent comes back to this caller: the picked record, else the phone typed. */
    var back = window.location.pathname + (picked ? "?subscriber=" + encodeURIComponent(picked)
      : phone ? "?phone=" + encodeURIComponent(phone) : "");
    var url = panel.getAttribute("data-panel-url") + "?account=" + encodeURIComponent(account) +
      "&phone=" + encodeURIComponent(phone) + "&next=" + encodeURIComponent(back);
    fetch(url, {credentials: "same-origin", headers: {"Accept": "text/html"}})
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html === null) { return; }
        /* Parsed as an inert document (its scripts never run), then moved in. */
        var doc = new DOMParser().parseFromString(html, "text/html");
        panel.replaceChildren.apply(panel, Array.prototype.slice.call(doc.body.childNodes));
      });
  }

  function pick(m) {
    form.querySelector("[name=customer_account]").value = m.account;
    form.querySelector("[data-intake-subscriber]").value = m.id;
    if (zone) { zone.value = m.zone || ""; }
    if (area) { area.value = ""; }  /* the area follows the picked zone again */
    showAreaHint();
    if (card) {
      Object.keys(m).forEach(function (k) {
        var dd = card.querySelector("[data-k=" + k + "]");
        if (dd) { dd.textContent = m[k]; }
      });
      card.hidden = false;
    }
    list.textContent = "";
    loadPanel();
    var title = form.querySelector("[name=title]");
    if (title) { title.focus(); }
  }

  function render(items) {
    list.textContent = "";
    if (!items.length) {
      list.appendChild(el("p", "muted", list.getAttribute("data-none") || lookup.getAttribute("data-none") || ""));
      return;
    }
    var ul = el("ul", "plainlist");
    items.forEach(function (m) {
      var li = el("li");
      var b = el("button");
      b.type = "button";
      b.setAttribute("data-account", m.account);
      b.appendChild(el("strong", "", m.name));
      b.appendChild(document.createTextNode(" "));
      b.appendChild(el("span", "mono", m.account));
      b.appendChild(document.createTextNode(" · "));
      b.appendChild(el("span", "mono", m.phone));
      b.appendChild(el("span", "muted small", m.address + (m.zone_name ? " · " + m.zone_name : "")));
      b.addEventListener("click", function () { pick(m); });
      li.appendChild(b);
      ul.appendChild(li);
    });
    list.appendChild(ul);
  }

  function ask() {
    var q = input.value.trim();
    if (q === asked) { return; }
    asked = q;
    if (q.length < 2) { list.textContent = ""; return; }
    fetch(lookup.getAttribute("data-intake-lookup") + "?q=" + encodeURIComponent(q),
          {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.status === 429 || r.ok ? r.json() : {items: []}; })
      .then(function (data) {
        if (input.value.trim() !== q) { return; }
        if (data.error) {  // too many lookups: say so, and let the next key ask again
          asked = "";
          list.textContent = "";
          list.appendChild(el("p", "error", data.error.message));
          return;
        }
        render(data.items || []);
      });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(ask, 250);
  });
  lookup.addEventListener("submit", function (e) { e.preventDefault(); clearTimeout(timer); asked = ""; ask(); });
  list.addEventListener("click", function (e) {
    var a = e.target.closest("a[data-subscriber]");
    if (!a) { return; }
    e.preventDefault();
    pick(JSON.parse(a.getAttribute("data-subscriber")));
  });
  if (zone) { zone.addEventListener("change", showAreaHint); }
  var phone = form.querySelector("[name=caller_phone]");
  if (phone) { phone.addEventListener("change", loadPanel); }
  showAreaHint();
})();
