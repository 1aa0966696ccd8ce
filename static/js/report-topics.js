/* Topic popularity: draws the page's charts with Chart.js (vendored,
 * static/vendor/chartjs-4.5.1) from the JSON in #topic-report[data-report] (what
 * topics.json answers too), the same figures the tables show
 * (conference.services.reports.topic_report):
 *   canvas[data-topic-chart="top"]      bars of top_topics,
 *   canvas[data-topic-chart="trend"]    lines of trend.series over trend.days,
 *   canvas[data-topic-chart="compare"]  bars of both segments' topics side by side.
 * Suppressed figures (null) are gaps, never guesses. A link [data-chart-png=<name>]
 * appears once its chart is drawn and downloads it as PNG on white. [data-print]
 * buttons print the page. Without this script the tables stand alone.
 */
(function () {
  "use strict";

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      window.print();
    });
  });

  var root = document.getElementById("topic-report");
  if (!root || !window.Chart) {
    return;
  }
  var PALETTE = ["#4f46e5", "#0f766e", "#c2410c", "#be185d", "#0369a1"];
  var BAR_HEIGHT = 30;
  var charts = [];

  var whiteBackground = {
    id: "whiteBackground",
    beforeDraw: function (chart) {
      var ctx = chart.ctx;
      ctx.save();
      ctx.globalCompositeOperation = "destination-over";
      ctx.fillStyle = "#ffffff";
      ctx.fillRect(0, 0, chart.width, chart.height);
      ctx.restore();
    },
  };

  function canvasFor(name) {
    return root.querySelector('canvas[data-topic-chart="' + name + '"]');
  }

  function draw(name, type, labels, sets, horizontal) {
    var canvas = canvasFor(name);
    if (!canvas) {
      return;
    }
    if (horizontal) {
      canvas.parentElement.style.height = Math.max(140, labels.length * BAR_HEIGHT * Math.max(1, sets.length * 0.75) + 56) + "px";
    }
    var chart = new window.Chart(canvas, {
      type: type,
      data: { labels: labels, datasets: sets },
      options: {
        animation: false,
        maintainAspectRatio: false,
        indexAxis: horizontal ? "y" : "x",
        spanGaps: false,
        interaction: { mode: "index", intersect: false },
        plugins: { legend: { display: sets.length > 1, position: "bottom" } },
        scales: {
          x: { beginAtZero: true, ticks: { precision: 0, maxRotation: 0, autoSkip: true } },
          y: { beginAtZero: true, ticks: { precision: 0, autoSkip: !horizontal } },
        },
      },
      plugins: [whiteBackground],
    });
    charts.push(chart);
    var link = document.querySelector('[data-chart-png="' + name + '"]');
    if (link) {
      link.hidden = false;
      link.addEventListener("click", function () {
        link.href = chart.toBase64Image("image/png", 1);
      });
    }
  }

  function bars(label, values, n) {
    return { label: label, data: values, backgroundColor: PALETTE[n % PALETTE.length], borderWidth: 0 };
  }

  function drawTop(report) {
    var topics = report.top_topics.filter(function (t) {
      return !t.suppressed;
    });
    draw(
      "top",
      "bar",
      topics.map(function (t) { return t.label; }),
      [bars(report.crosstab.measure_label, topics.map(function (t) { return t.value; }), 0)],
      true
    );
  }

  function drawTrend(report) {
    var sets = report.trend.series.map(function (s, n) {
      var color = PALETTE[n % PALETTE.length];
      return {
        label: s.label,
        data: s.values,
        borderColor: color,
        backgroundColor: color + "33",
        borderWidth: 2,
        pointRadius: 3,
        tension: 0.2,
      };
    });
    draw("trend", "line", report.trend.days, sets, false);
  }

  function drawCompare(report) {
    if (!report.compare) {
      return;
    }
    var order = [];
    var seen = {};
    ["a", "b"].forEach(function (side) {
      report.compare[side].topics.forEach(function (t) {
        if (!t.suppressed && !seen[t.id]) {
          seen[t.id] = t.label;
          order.push(t.id);
        }
      });
    });
    var sets = ["a", "b"].map(function (side, n) {
      var values = {};
      report.compare[side].topics.forEach(function (t) {
        values[t.id] = t.value;
      });
      return bars(
        report.compare[side].label,
        /* A topic outside this segment's top list is a gap: its figure is not known here. */
        order.map(function (id) { return id in values ? values[id] : null; }),
        n
      );
    });
    draw("compare", "bar", order.map(function (id) { return seen[id]; }), sets, true);
  }

  var report = JSON.parse(root.dataset.report);
  drawTop(report);
  drawTrend(report);
  drawCompare(report);

  window.addEventListener("beforeprint", function () {
    charts.forEach(function (chart) {
      chart.resize();
    });
  });
})();
