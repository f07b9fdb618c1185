// Draws every chart whose spec the server rendered into data-chart (console/charts.py). No inline
// script, so the page keeps a strict Content-Security-Policy. One colour per outcome family.
(function () {
  var family = { good: "#2e7d32", review: "#f9a825", bad: "#c62828", neutral: "#607d8b" };

  function pie(chart, spec) {
    chart.setOption({
      animation: false,
      title: { text: spec.title || "", left: 0, top: 0, textStyle: { fontSize: 14 } },
      tooltip: { trigger: "item", formatter: "{b}: {c}" + (spec.unit || "") },
      legend: { type: "scroll", orient: "vertical", right: 0, top: 28, bottom: 0 },
      series: (spec.series || []).map(function (s) {
        return { name: s.name, type: "pie", radius: ["42%", "70%"], center: ["35%", "56%"],
                 avoidLabelOverlap: true, label: { show: false }, data: s.data };
      })
    });
  }

  function tooltip(spec) {
    return function (params) {
      var lines = [params.length ? params[0].axisValueLabel : ""];
      params.forEach(function (p) {
        var s = (spec.series || [])[p.seriesIndex] || {};
        if (s.base) return;
        var value = s.tip ? s.tip[p.dataIndex] : p.value;
        lines.push(p.marker + p.seriesName + ": " + value);
      });
      return lines.join("<br>");
    };
  }

  function draw(box) {
    var spec = JSON.parse(box.dataset.chart || "{}");
    var chart = echarts.init(box);
    if (spec.kind === "pie") {
      pie(chart, spec);
    } else {
      var marks = (spec.marks || []).map(function (m) {
        var at = m.y !== undefined ? { yAxis: m.y } : { xAxis: m.x };
        at.label = { formatter: m.label, position: m.y !== undefined ? "insideEndTop" : "end" };
        return at;
      });
      var counts = (spec.y || {}).counts !== false;
      chart.setOption({
        animation: false,
        title: { text: spec.title || "", left: 0, top: 0, textStyle: { fontSize: 14 } },
        tooltip: { trigger: "axis", formatter: tooltip(spec) },
        legend: { top: 22, right: 0, data: (spec.series || []).filter(function (s) { return !s.base; })
                                                     .map(function (s) { return s.name; }) },
        grid: { left: 64, right: 24, top: 60, bottom: 48 },
        xAxis: { type: "category", name: (spec.x || {}).name, nameLocation: "middle", nameGap: 30,
                 data: (spec.x || {}).data || [], boundaryGap: spec.kind === "bar" },
        yAxis: { type: "value", name: (spec.y || {}).name, minInterval: counts ? 1 : undefined,
                 scale: !counts },
        series: (spec.series || []).map(function (s, i) {
          var colour = s.family ? family[s.family] : undefined;
          var out = { name: s.name, type: s.type || spec.kind || "bar", data: s.data,
                      stack: s.stack, itemStyle: colour ? { color: colour } : undefined,
                      lineStyle: colour ? { color: colour } : undefined };
          if (out.type === "line" && (s.data || []).length > 30) out.showSymbol = false;
          if (s.band || s.base) {
            out.symbol = "none";
            out.lineStyle = { opacity: 0 };
            out.itemStyle = { color: colour || family.neutral, opacity: s.opacity || 0.25 };
            out.areaStyle = s.band ? { color: colour || family.neutral, opacity: s.opacity || 0.25 }
                                   : undefined;
          }
          if (i === 0 && marks.length) {
            out.markLine = { symbol: "none", lineStyle: { type: "dashed", color: "#37474f" },
                             data: marks };
          }
          return out;
        })
      });
    }
    box.dataset.rendered = "true";
    window.addEventListener("resize", function () { chart.resize(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (typeof echarts === "undefined") return;
    Array.prototype.forEach.call(document.querySelectorAll(".chart[data-chart]:not(.risk-chart)"), draw);
  });
})();
