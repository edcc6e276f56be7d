/* Results charts in the console: each <canvas data-chart="ID"> is drawn from the JSON in the
   element #ID ({labels, revenue_per_member, conversion_percent}). Served from static/ so it
   runs under the console's script-src 'self'. */
(function () {
  "use strict";
  var GREEN = "#06c755";
  var BLUE = "#4a7bd0";
  window.consoleCharts = [];

  function yen(value) {
    return "¥" + Math.round(value).toLocaleString("ja-JP");
  }

  function draw(canvas) {
    var data = JSON.parse(document.getElementById(canvas.dataset.chart).textContent);
    return new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [
          {label: "1人あたり売上", data: data.revenue_per_member, yAxisID: "yen",
           backgroundColor: GREEN},
          {label: "購入率", data: data.conversion_percent, yAxisID: "rate",
           backgroundColor: BLUE}
        ]
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        plugins: {
          tooltip: {callbacks: {label: function (item) {
            return item.dataset.yAxisID === "yen"
              ? item.dataset.label + ": " + yen(item.raw)
              : item.dataset.label + ": " + item.raw.toFixed(1) + "%";
          }}}
        },
        scales: {
          yen: {position: "left", beginAtZero: true,
                title: {display: true, text: "1人あたり売上（円）"},
                ticks: {callback: yen}},
          rate: {position: "right", beginAtZero: true, grid: {drawOnChartArea: false},
                 title: {display: true, text: "購入率（％）"},
                 ticks: {callback: function (value) { return value + "%"; }}}
        }
      }
    });
  }

  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    window.consoleCharts.push(draw(canvas));
  });
}());
