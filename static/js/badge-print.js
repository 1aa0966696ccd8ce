// The print page: counts the badges the filters match as they change, a moment after
// the last change. Without this script the "Count" button recounts.
(function () {
  "use strict";
  var form = document.getElementById("badge-print-form");
  if (!form || !window.fetch || !window.URLSearchParams) {
    return;
  }
  var output = form.querySelector("[data-count]");
  var button = form.querySelector("[data-no-script]");
  var DELAY = 300;
  var timer = null;
  var latest = 0;
  if (button) {
    button.hidden = true;
  }

  function query() {
    var params = new URLSearchParams();
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "csrf_token" || el.type === "submit") {
        return;
      }
      if ((el.type === "checkbox" || el.type === "radio") && !el.checked) {
        return;
      }
      params.append(el.name, el.value);
    });
    return params.toString();
  }

  function recount() {
    var ticket = ++latest;
    fetch(form.getAttribute("data-count-url") + "?" + query(), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        return response.json();
      })
      .then(function (data) {
        if (ticket === latest) {
          output.textContent = data.ok ? data.label : data.message;
          output.classList.toggle("text-danger", !data.ok);
        }
      })
      .catch(function () {
        if (ticket === latest) {
          output.textContent = output.getAttribute("data-label-error");
          output.classList.add("text-danger");
        }
      });
  }

  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(recount, DELAY);
  }

  form.addEventListener("input", later);
  form.addEventListener("change", later);
})();
