/* The figure pages' charts: each [data-chart] element names the <script type="application/json"> holding the
   Apache ECharts option the server built (servicedesk/figures/charts.py). Nothing here computes a number;
   every chart has the same numbers in a table beside it, so the page reads the same without this file. */
(function () {
  "use strict";

  function draw() {
    var drawn = [];
    if (window.echarts) {
      document.querySelectorAll("[data-chart]").forEach(function (el) {
        var source = document.getElementById(el.getAttribute("data-chart"));
        if (!source) { return; }
        var option;
        try { option = JSON.parse(source.textContent); } catch (e) { return; }
        el.hidden = false;
        el.style.height = (parseInt(el.getAttribute("data-height"), 10) || 320) + "px";
        var chart = window.echarts.init(el, null, { renderer: "canvas" });
        chart.setOption(option);
        drawn.push(chart);
      });
    }
    var timer = null;
    function resize() { drawn.forEach(function (chart) { chart.resize(); }); }
    window.addEventListener("resize", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(resize, 120);
    });
    window.addEventListener("beforeprint", resize);
    window.addEventListener("afterprint", resize);
  }

  function wirePrint() {
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  }

  function start() { draw(); wirePrint(); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
}());
