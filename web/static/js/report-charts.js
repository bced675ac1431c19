// Funder report charts (Chart.js from /static/vendor): one bar chart per indicator, data in data-chart-data.
(function () {
  "use strict";
  if (typeof window.Chart !== "function") { return; }
  document.querySelectorAll("canvas.report-chart").forEach(function (canvas) {
    var data = JSON.parse(canvas.getAttribute("data-chart-data"));
    var chart = new window.Chart(canvas, {
      type: "bar",
      data: { labels: data.labels, datasets: [{ label: canvas.getAttribute("data-label") || "", data: data.values, backgroundColor: "#1d5fa8" }] },
      options: { responsive: true, maintainAspectRatio: false, animation: false, plugins: { legend: { display: false } },
                 scales: { y: { beginAtZero: true } } }
    });
    canvas.setAttribute("data-rendered", chart ? "true" : "false");
  });
})();
