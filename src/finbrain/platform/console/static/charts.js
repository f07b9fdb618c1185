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

  // A band's tooltip shows its top (``tip``), not its width; a fan's invisible floor none.
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

  function series(spec, horizontal, marks) {
    return (spec.series || []).map(function (s, i) {
      var colour = s.family ? family[s.family] : undefined;
      var out = { name: s.name, type: s.type || (horizontal ? "bar" : spec.kind) || "bar",
                  data: s.data, stack: s.stack, itemStyle: colour ? { color: colour } : undefined,
                  lineStyle: colour ? { color: colour } : undefined };
      if (out.type === "line" && (s.data || []).length > 30) out.showSymbol = false;
      if (s.band || s.base) {  // a fan: bands stacked on an invisible floor
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
    });
  }

  function axes(chart, spec) {
    var marks = (spec.marks || []).map(function (m) {
      var at = m.y !== undefined ? { yAxis: m.y } : { xAxis: m.x };
      at.label = { formatter: m.label, position: m.y !== undefined ? "insideEndTop" : "end" };
      return at;
    });
    // "hbar": the categories run down the side (long labels such as reasons stay readable).
    var horizontal = spec.kind === "hbar";
    // counts (the default) tick in whole numbers from 0; a value axis (a portfolio's worth) fits
    var counts = (spec.y || {}).counts !== false;
    var categories = { type: "category", name: (spec.x || {}).name, data: (spec.x || {}).data || [],
                       nameLocation: horizontal ? "end" : "middle", nameGap: horizontal ? 8 : 30,
                       inverse: horizontal, boundaryGap: spec.kind !== "line" };
    var values = { type: "value", name: (spec.y || {}).name, minInterval: counts ? 1 : undefined,
                   scale: !counts, nameLocation: horizontal ? "middle" : "end",
                   nameGap: horizontal ? 26 : 15 };
    chart.setOption({
      animation: false,
      title: { text: spec.title || "", left: 0, top: 0, textStyle: { fontSize: 14 } },
      tooltip: { trigger: "axis", formatter: tooltip(spec) },
      legend: { top: 22, right: 0, data: (spec.series || []).filter(function (s) { return !s.base; })
                                                     .map(function (s) { return s.name; }) },
      grid: horizontal ? { left: 8, right: 32, top: 56, bottom: 40, containLabel: true }
                       : { left: 64, right: 24, top: 60, bottom: 48 },
      xAxis: horizontal ? values : categories,
      yAxis: horizontal ? categories : values,
      series: series(spec, horizontal, marks)
    });
  }

  function draw(box) {
    var spec = JSON.parse(box.dataset.chart || "{}");
    var chart = echarts.init(box);
    if (spec.kind === "pie") {
      pie(chart, spec);
    } else {
      axes(chart, spec);
    }
    box.dataset.rendered = "true";
    window.addEventListener("resize", function () { chart.resize(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (typeof echarts === "undefined") return;
    Array.prototype.forEach.call(document.querySelectorAll(".chart[data-chart]:not(.risk-chart)"), draw);
  });
})();
