// A badge batch's page: follows the rendering job (progress, warnings) and shows the
// download when the PDF is ready. Without this script the page shows the state at load.
(function () {
  "use strict";
  var root = document.getElementById("badge-batch");
  if (!root || !window.fetch) {
    return;
  }
  var url = root.getAttribute("data-progress-url");
  var status = root.querySelector("[data-status]");
  var meter = root.querySelector("[data-meter]");
  var done = root.querySelector("[data-done]");
  var total = root.querySelector("[data-total]");
  var percent = root.querySelector("[data-percent]");
  var error = root.querySelector("[data-error]");
  var download = root.querySelector("[data-download]");
  var warnings = document.querySelector("[data-warnings]");
  var rows = warnings.querySelector("[data-warning-rows]");
  var personUrl = warnings.getAttribute("data-registration-url");
  var FAST = 1000;
  var SLOW = 5000;

  function label(name) {
    return root.getAttribute("data-label-" + name) || "";
  }

  function showWarnings(list) {
    rows.textContent = "";
    list.forEach(function (w) {
      var li = document.createElement("li");
      li.className = "text-break";
      var who = document.createElement(w.registration_id ? "a" : "span");
      if (w.registration_id) {
        who.href = personUrl.replace(/\/0$/, "/" + String(w.registration_id));
      }
      who.textContent = w.name;
      li.appendChild(who);
      li.appendChild(
        document.createTextNode(
          " \u2014 " + (warnings.getAttribute("data-field-" + w.field) || w.field)
        )
      );
      rows.appendChild(li);
    });
    warnings.hidden = list.length === 0;
  }

  function show(data) {
    meter.max = Math.max(data.total, 1);
    meter.value = data.done;
    meter.textContent = String(data.done);
    done.textContent = String(data.done);
    total.textContent = String(data.total);
    percent.textContent = String(data.percent);
    var text = label(data.status) || label("queued");
    if (status.textContent.trim() !== text) {
      status.textContent = text;
    }
    error.hidden = data.status !== "failed";
    if (data.download_url) {
      download.href = data.download_url;
      download.hidden = false;
    }
    showWarnings(data.warnings || []);
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (data) {
        show(data);
        if (data.status !== "done" && data.status !== "failed") {
          window.setTimeout(poll, FAST);
        }
      })
      .catch(function () {
        status.textContent = label("error");
        window.setTimeout(poll, SLOW);
      });
  }

  poll();
})();
