/* Dashboard charts: each <canvas data-chart="ID"> is drawn from the JSON in #ID
   ({type, stacked, unit, labels, datasets: [{label, data}]}). Served from static/ so it runs
   under the console's script-src 'self'. */
(function () {
  "use strict";
  var COLOURS = ["#06c755", "#4a7bd0", "#f0a030", "#d9534f", "#8e6bbf", "#5bc0de",
                 "#999999", "#2e8b57", "#c71585", "#b8860b", "#4682b4", "#708090"];
  window.dashboardCharts = [];

  function format(unit, value) {
    if (value === null || value === undefined) { return "—"; }
    if (unit === "yen") { return "¥" + Math.round(value).toLocaleString("ja-JP"); }
    if (unit === "percent") { return value.toFixed(1) + "%"; }
    return Math.round(value).toLocaleString("ja-JP");
  }

  function draw(canvas) {
    var spec = JSON.parse(document.getElementById(canvas.dataset.chart).textContent);
    var line = spec.type === "line";
    return new window.Chart(canvas, {
      type: spec.type,
      data: {
        labels: spec.labels,
        datasets: spec.datasets.map(function (set, i) {
          var colour = COLOURS[i % COLOURS.length];
          return {label: set.label, data: set.data, backgroundColor: colour,
                  borderColor: colour, fill: false, spanGaps: false, tension: 0.2};
        })
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        plugins: {tooltip: {callbacks: {label: function (item) {
          return item.dataset.label + ": " + format(spec.unit, item.raw);
        }}}},
        scales: {
          x: {stacked: spec.stacked && !line},
          y: {stacked: spec.stacked && !line, beginAtZero: true,
              ticks: {precision: spec.unit === "count" ? 0 : undefined,
                      callback: function (value) { return format(spec.unit, value); }}}
        }
      }
    });
  }

  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    window.dashboardCharts.push(draw(canvas));
  });
}());
