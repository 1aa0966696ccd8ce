// The privacy page's "Download my data" card: while an export is queued or being built,
// follows its status and reloads the page once it is ready (or failed), so the download
// button appears by itself. Without this script the page shows the state at load.
(function () {
  "use strict";
  var root = document.querySelector("[data-export]");
  if (!root || !window.fetch) {
    return;
  }
  var status = root.getAttribute("data-status");
  if (status !== "queued" && status !== "building") {
    return;
  }
  var url = root.getAttribute("data-status-url");
  var FAST = 2000;
  var SLOW = 10000;

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (data) {
        if (data.status === "queued" || data.status === "building") {
          window.setTimeout(poll, FAST);
        } else {
          window.location.hash = "my-data";
          window.location.reload();
        }
      })
      .catch(function () {
        window.setTimeout(poll, SLOW);
      });
  }

  window.setTimeout(poll, FAST);
})();
