// Draws the overview chart from the data the server rendered into data-chart (no inline script,
// so the page can keep a strict Content-Security-Policy).
document.addEventListener("DOMContentLoaded", function () {
  var box = document.getElementById("outcome-chart");
  if (!box || typeof echarts === "undefined") return;
  var data = JSON.parse(box.dataset.chart || "{}");
  var colours = { approve: "#2e7d32", allow: "#2e7d32", answer: "#2e7d32", refer: "#f9a825",
                  review: "#f9a825", handoff: "#f9a825", decline: "#c62828", block: "#c62828" };
  var chart = echarts.init(box);
  chart.setOption({
    animation: false,
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 40, right: 16, top: 32, bottom: 24 },
    xAxis: { type: "category", data: data.days || [] },
    yAxis: { type: "value", minInterval: 1 },
    series: (data.series || []).map(function (s) {
      return { name: s.label || s.name, type: "bar", stack: "all", data: s.data,
               itemStyle: colours[s.name] ? { color: colours[s.name] } : undefined };
    })
  });
  box.dataset.rendered = "true";
  window.addEventListener("resize", function () { chart.resize(); });
});
