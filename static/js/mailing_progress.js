// A mailing's page: follows the sending job live (counts, progress, failures).
// Progressive enhancement: without this script the page shows the counts at load.
(function () {
  "use strict";
  var root = document.getElementById("mailing-progress");
  if (!root || !window.fetch) {
    return;
  }
  var url = root.getAttribute("data-progress-url");
  var status = root.querySelector("[data-status]");
  var meter = root.querySelector("[data-meter]");
  var failures = document.querySelector("[data-failures]");
  var rows = document.querySelector("[data-failure-rows]");
  var table = document.querySelector("[data-failure-table]");
  var retry = document.querySelector("[data-retry]");
  var retryButton = retry ? retry.querySelector("button") : null;
  var FAST = 1000;
  var SLOW = 5000;

  function label(name) {
    return root.getAttribute("data-label-" + name) || "";
  }

  function cell(text, className) {
    var td = document.createElement("td");
    if (className) {
      td.className = className;
    }
    td.textContent = text;
    return td;
  }

  function showFailures(list) {
    rows.textContent = "";
    list.forEach(function (f) {
      var tr = document.createElement("tr");
      var person = document.createElement("td");
      var name = document.createElement("div");
      name.className = "text-break";
      name.textContent = f.name;
      var email = document.createElement("div");
      email.className = "small text-body-secondary text-break";
      email.textContent = f.email;
      person.appendChild(name);
      person.appendChild(email);
      tr.appendChild(person);
      tr.appendChild(cell(f.error, "small text-break"));
      tr.appendChild(cell(String(f.attempts), "text-end tabular-nums"));
      rows.appendChild(tr);
    });
  }

  function show(data) {
    Object.keys(data.counts).forEach(function (key) {
      var el = root.querySelector('[data-count="' + key + '"]');
      if (el) {
        el.textContent = String(data.counts[key]);
      }
    });
    meter.max = Math.max(data.total, 1);
    meter.value = data.counts.sent + data.counts.failed;
    meter.textContent = String(meter.value);
    var text;
    if (data.stalled) {
      text = label("stalled");
    } else if (data.finished) {
      text = label("done");
    } else if (data.running || data.status === "sending") {
      text = label("sending");
    } else {
      text = label("waiting");
    }
    if (status.textContent.trim() !== text) {
      status.textContent = text;
    }
    showFailures(data.failures);
    table.hidden = data.failures.length === 0;
    failures.hidden = !(data.counts.failed > 0 || data.stalled);
    if (retry) {
      retry.hidden = data.running || !(data.counts.failed > 0 || data.stalled);
      retryButton.textContent = retryButton.getAttribute(
        data.counts.failed > 0 ? "data-retry-label-failed" : "data-retry-label-resume"
      );
    }
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
        if (!data.finished) {
          window.setTimeout(poll, data.stalled ? SLOW : FAST);
        }
      })
      .catch(function () {
        status.textContent = label("error");
        window.setTimeout(poll, SLOW);
      });
  }

  poll();
})();
