// Draws every chart whose spec the server rendered into data-chart (console/charts.py). No inline
// script, so the page keeps a strict Content-Security-Policy. One colour per outcome family.
(function () {
  var family = { good: "#2e7d32", review: "#f9a825", bad: "#c62828", neutral: "#607d8b" };

  function draw(box) {
    var spec = JSON.parse(box.dataset.chart || "{}");
    var chart = echarts.init(box);
    var marks = (spec.marks || []).map(function (m) {
      return { xAxis: m.x, label: { formatter: m.label, position: "end" } };
    });
    // "hbar": the categories run down the side (long labels such as reasons stay readable).
    var horizontal = spec.kind === "hbar";
    var categories = { type: "category", name: (spec.x || {}).name, data: (spec.x || {}).data || [],
                       nameLocation: horizontal ? "end" : "middle", nameGap: horizontal ? 8 : 30,
                       inverse: horizontal };
    var values = { type: "value", name: (spec.y || {}).name, minInterval: 1,
                   nameLocation: horizontal ? "middle" : "end", nameGap: horizontal ? 26 : 15 };
    chart.setOption({
      animation: false,
      title: { text: spec.title || "", left: 0, top: 0, textStyle: { fontSize: 14 } },
      tooltip: { trigger: "axis" },
      legend: { top: 0, right: 0 },
      grid: horizontal ? { left: 8, right: 32, top: 48, bottom: 40, containLabel: true }
                       : { left: 56, right: 24, top: 48, bottom: 48 },
      xAxis: horizontal ? values : categories,
      yAxis: horizontal ? categories : values,
      series: (spec.series || []).map(function (s, i) {
        var out = { name: s.name, type: s.type || (horizontal ? "bar" : spec.kind) || "bar", data: s.data,
                    stack: s.stack, itemStyle: s.family ? { color: family[s.family] } : undefined,
                    lineStyle: s.family ? { color: family[s.family] } : undefined };
        if (i === 0 && marks.length) {
          out.markLine = { symbol: "none", lineStyle: { type: "dashed", color: "#37474f" },
                           data: marks };
        }
        return out;
      })
    });
    box.dataset.rendered = "true";
    window.addEventListener("resize", function () { chart.resize(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (typeof echarts === "undefined") return;
    Array.prototype.forEach.call(document.querySelectorAll(".chart[data-chart]:not(.risk-chart)"), draw);
  });
})();
