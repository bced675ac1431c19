// Dashboard charts (Chart.js from /static/vendor). Data comes as JSON in data-chart-data; labels in data-label-*.
(function () {
  "use strict";
  if (typeof window.Chart !== "function") { return; }
  var colours = { open_tasks: "#1d5fa8", overdue: "#a61b1b", cases: "#7b8794", paid: "#1d5fa8", budget: "#c5d3e3" };

  function datasets(canvas, data, keys) {
    return keys.map(function (key) {
      return {
        label: canvas.getAttribute("data-label-" + key.replace("_", "-")) || key,
        data: data.series[key] || [],
        backgroundColor: colours[key]
      };
    });
  }

  document.querySelectorAll("canvas.dashboard-chart").forEach(function (canvas) {
    var data = JSON.parse(canvas.getAttribute("data-chart-data"));
    var kind = canvas.getAttribute("data-chart");
    var keys = kind === "spend" || kind === "trend-spend" ? ["paid", "budget"]
      : kind === "trend-work" ? ["cases", "overdue"] : ["open_tasks", "overdue", "cases"];
    var chart = new window.Chart(canvas, {
      type: kind.indexOf("trend") === 0 ? "line" : "bar",
      data: { labels: data.labels, datasets: datasets(canvas, data, keys) },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        indexAxis: kind === "spend" ? "y" : "x",
        scales: { x: { beginAtZero: true }, y: { beginAtZero: true } }
      }
    });
    canvas.setAttribute("data-rendered", chart ? "true" : "false");
  });
})();
