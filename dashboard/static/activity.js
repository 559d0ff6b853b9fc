/* Salama activity charts: fetches /api/activity once per page and draws
   every <canvas data-chart="..."> inside the [data-activity-src] block with
   the vendored Chart.js (static/vendor/chart.umd.min.js). */
(function () {
  "use strict";
  var COLORS = { block: "#b3261e", alert: "#c77c02" };
  var rtl = document.documentElement.dir === "rtl";

  function stacked(labels, rows, names, horizontal) {
    return {
      type: "bar",
      data: {
        labels: labels,
        datasets: ["block", "alert"].map(function (action) {
          return { label: names[action], backgroundColor: COLORS[action], maxBarThickness: 28,
                   data: rows.map(function (r) { return r[action]; }) };
        })
      },
      options: {
        indexAxis: horizontal ? "y" : "x",
        scales: { x: { stacked: true, reverse: rtl, ticks: { precision: 0 } },
                  y: { stacked: true, position: rtl ? "right" : "left", ticks: { precision: 0 } } }
      }
    };
  }

  function perDay(data, names) {
    var rows = data.days.map(function (day, i) {
      return { block: data.per_day.block[i], alert: data.per_day.alert[i] };
    });
    return stacked(data.days.map(function (d) { return d.slice(5); }), rows, names, false);
  }

  var BUILDERS = {
    days: perDay,
    categories: function (data, names) {
      return stacked(data.categories.map(function (c) { return c.name; }), data.categories, names, true);
    },
    devices: function (data, names) {
      return stacked(data.devices.map(function (d) { return d.device || "—"; }), data.devices, names, true);
    },
    domains: function (data, names) {
      return {
        type: "bar",
        data: {
          labels: data.top_blocked.map(function (d) { return d.host; }),
          datasets: [{ label: names.block, backgroundColor: COLORS.block, maxBarThickness: 28,
                       data: data.top_blocked.map(function (d) { return d.count; }) }]
        },
        options: { indexAxis: "y", scales: { x: { reverse: rtl, ticks: { precision: 0 } },
                                             y: { position: rtl ? "right" : "left" } } }
      };
    }
  };

  function draw(block, data) {
    var names = { block: block.dataset.labelBlock, alert: block.dataset.labelAlert };
    block.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var config = BUILDERS[canvas.dataset.chart](data, names);
      config.options.animation = false;
      config.options.maintainAspectRatio = false;
      config.options.plugins = { legend: { rtl: rtl, position: "bottom" }, tooltip: { rtl: rtl } };
      new window.Chart(canvas, config);
      canvas.dataset.drawn = "yes";
    });
  }

  // Charts speak in the page's own font and colour.
  var page = window.getComputedStyle(document.body);
  window.Chart.defaults.font.family = page.fontFamily;
  window.Chart.defaults.color = page.color;

  document.querySelectorAll("[data-activity-src]").forEach(function (block) {
    fetch(block.dataset.activitySrc, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("activity: HTTP " + response.status); }
        return response.json();
      })
      .then(function (data) { draw(block, data); })
      .catch(function (error) { block.classList.add("failed"); console.error(error); });
  });

  // Redraw at the paper's width when printing (Chart.js sizes to the screen).
  window.addEventListener("beforeprint", function () {
    Object.values(window.Chart.instances).forEach(function (chart) { chart.resize(); });
  });
})();
