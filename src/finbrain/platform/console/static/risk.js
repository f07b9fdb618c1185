// The live risk stream's outcome chart. The counts come from the server in data-chart (no inline
// script: the console keeps a strict Content-Security-Policy); htmx replaces the fragment every
// 2 s, so the chart of the old fragment is disposed and the new one drawn.
(function () {
  var colours = { allow: "#2e7d32", review: "#f9a825", block: "#c62828" };

  function draw(root) {
    if (typeof echarts === "undefined") return;
    var boxes = (root || document).querySelectorAll(".risk-chart:not([data-rendered])");
    Array.prototype.forEach.call(boxes, function (box) {
      var data = JSON.parse(box.dataset.chart || "{}");
      var chart = echarts.init(box);
      chart.setOption({
        animation: false,
        tooltip: { trigger: "item" },
        grid: { left: 64, right: 24, top: 4, bottom: 20 },
        xAxis: { type: "value", minInterval: 1 },
        yAxis: { type: "category", data: data.categories || [] },
        series: [{
          type: "bar",
          data: (data.values || []).map(function (v, i) {
            return { value: v, itemStyle: { color: colours[(data.names || [])[i]] || "#607d8b" } };
          })
        }]
      });
      box.dataset.rendered = "true";
    });
  }

  function dispose(root) {
    if (typeof echarts === "undefined" || !root) return;
    Array.prototype.forEach.call(root.querySelectorAll(".risk-chart"), function (box) {
      var chart = echarts.getInstanceByDom(box);
      if (chart) chart.dispose();
    });
  }

  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:beforeSwap", function (evt) { dispose(evt.detail.target); });
  document.addEventListener("htmx:afterSettle", function (evt) { draw(evt.detail.target); });
})();
