// Draws each dashboard table's chart with chart.js (global `Chart`, from /static/vendor/chart.js).
// The figures come from the <script type="application/json"> block named by the canvas's
// data-chart attribute; the table beside the chart is its text alternative. No inline script:
// the page's Content-Security-Policy forbids it.
(function () {
  "use strict";
  // Colours told apart without relying on hue alone, with at least 3:1 contrast on white.
  var COLOURS = ["#1f5fa8", "#b35900", "#2e7d32", "#6a3d9a"];
  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  function draw(canvas) {
    var source = document.getElementById(canvas.getAttribute("data-chart"));
    if (!source) { return; }
    var figures = JSON.parse(source.textContent);
    var datasets = figures.datasets.map(function (dataset, index) {
      return {
        label: dataset.label,
        data: dataset.data,
        backgroundColor: COLOURS[index % COLOURS.length],
        borderColor: COLOURS[index % COLOURS.length],
        borderWidth: 1
      };
    });
    var y = { beginAtZero: true, title: { display: !!figures.yTitle, text: figures.yTitle || "" } };
    if (figures.yMax) { y.max = figures.yMax; }
    new Chart(canvas, {
      type: figures.type || "bar",
      data: { labels: figures.labels, datasets: datasets },
      options: {
        animation: reduceMotion ? false : { duration: 300 },
        maintainAspectRatio: false,
        responsive: true,
        scales: { y: y },
        plugins: { legend: { position: "bottom" } }
      }
    });
  }

  function drawAll() {
    if (typeof Chart === "undefined") { return; }   // chart.js missing: the tables still say it all
    Array.prototype.forEach.call(document.querySelectorAll("canvas[data-chart]"), draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
