/* Report charts: draws every <canvas data-chart="URL"> with Chart.js (vendored,
 * static/vendor/chartjs-4.5.1) from the JSON at URL, the same report table the page
 * shows beside the chart:
 *   {"chart": "line" | "bar", "columns": [{"key", "label", "kind"}],
 *    "rows": [{"key", "label", "values": [...]}], "chart_columns": ["key", ...]}
 * One dataset per key of chart_columns; bars are horizontal unless the rows are days
 * (rows with a key); a chart of nothing but zeros is left out. A link [data-chart-png="<data-chart-key>"] is shown once its
 * chart is drawn and downloads it as PNG on a white background. Any [data-print]
 * button prints the page. Without this script the tables stand alone.
 */
(function () {
  "use strict";

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      window.print();
    });
  });

  if (!window.Chart || !window.fetch) {
    return;
  }
  var PALETTE = ["#4f46e5", "#0f766e", "#c2410c", "#be185d", "#0369a1", "#65a30d", "#7c3aed"];
  var BAR_HEIGHT = 28;
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

  function datasets(table, type) {
    var index = {};
    table.columns.forEach(function (column, i) {
      index[column.key] = i;
    });
    return table.chart_columns.map(function (key, n) {
      var color = PALETTE[n % PALETTE.length];
      return {
        label: table.columns[index[key]].label,
        data: table.rows.map(function (row) {
          return row.values[index[key]];
        }),
        backgroundColor: type === "line" ? color + "33" : color,
        borderColor: color,
        borderWidth: type === "line" ? 2 : 0,
        pointRadius: table.rows.length > 40 ? 0 : 3,
        tension: 0.2,
      };
    });
  }

  function draw(canvas, table) {
    var sets = datasets(table, table.chart === "line" ? "line" : "bar");
    var nothing = sets.every(function (set) {
      return set.data.every(function (value) {
        return !value;
      });
    });
    if (nothing) {
      canvas.parentElement.hidden = true;
      return;
    }
    var days = table.rows.length > 0 && Boolean(table.rows[0].key);
    var type = table.chart === "line" ? "line" : "bar";
    var horizontal = type === "bar" && !days;
    var box = canvas.parentElement;
    if (horizontal) {
      box.style.height = Math.max(140, table.rows.length * BAR_HEIGHT + 48) + "px";
    }
    var chart = new window.Chart(canvas, {
      type: type,
      data: {
        labels: table.rows.map(function (row) {
          return row.label;
        }),
        datasets: sets,
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        indexAxis: horizontal ? "y" : "x",
        interaction: { mode: "index", intersect: false },
        plugins: { legend: { display: sets.length > 1, position: "bottom" } },
        scales: {
          x: { beginAtZero: true, ticks: { precision: 0, autoSkip: true, maxRotation: 0 } },
          y: { beginAtZero: true, ticks: { precision: 0, autoSkip: !horizontal } },
        },
      },
      plugins: [whiteBackground],
    });
    charts.push(chart);
    var link = document.querySelector('[data-chart-png="' + canvas.dataset.chartKey + '"]');
    if (link) {
      link.hidden = false;
      link.addEventListener("click", function () {
        link.href = chart.toBase64Image("image/png", 1);
      });
    }
  }

  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    fetch(canvas.dataset.chart, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.json();
      })
      .then(function (table) {
        draw(canvas, table);
      })
      .catch(function () {
        canvas.parentElement.hidden = true;
      });
  });

  window.addEventListener("beforeprint", function () {
    charts.forEach(function (chart) {
      chart.resize();
    });
  });
})();
