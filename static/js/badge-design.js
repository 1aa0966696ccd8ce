// The badge design page: refreshes the preview (the real PDF as an image) as the form
// changes, a moment after the last change. Without this script the preview shows the
// saved (or last submitted) values.
(function () {
  "use strict";
  var form = document.getElementById("badge-design-form");
  if (!form || !window.fetch || !window.URLSearchParams || !window.FileReader) {
    return;
  }
  var image = document.querySelector("[data-preview-image]");
  var status = document.querySelector("[data-preview-status]");
  var error = document.querySelector("[data-preview-error]");
  var samples = document.querySelector("[data-preview-samples]");
  var sample = samples ? samples.querySelector("select") : null;
  var DELAY = 350;
  var timer = null;
  var latest = 0;
  var shown = null;

  if (samples) {
    var show = samples.querySelector("[data-no-script]");
    if (show) {
      show.hidden = true;
    }
    samples.addEventListener("submit", function (e) {
      e.preventDefault();
    });
  }

  function label(name) {
    return status.getAttribute("data-label-" + name) || "";
  }

  function query() {
    var params = new URLSearchParams();
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "csrf_token" || el.disabled) {
        return;
      }
      if (el.type === "checkbox") {
        if (el.checked) {
          params.append(el.name, "y");
        }
      } else if (el.type !== "submit" && el.type !== "button") {
        params.append(el.name, el.value);
      }
    });
    if (form.getAttribute("data-design-id")) {
      params.append("design_id", form.getAttribute("data-design-id"));
    }
    if (sample) {
      params.append("sample", sample.value);
    }
    return params.toString();
  }

  // The image as a data: URL, which the Content-Security-Policy allows for images.
  function dataUrl(blob) {
    return new Promise(function (resolve, reject) {
      var reader = new FileReader();
      reader.onload = function () {
        resolve(reader.result);
      };
      reader.onerror = reject;
      reader.readAsDataURL(blob);
    });
  }

  function refresh() {
    var ticket = ++latest;
    status.textContent = label("loading");
    image.setAttribute("aria-busy", "true");
    fetch(form.getAttribute("data-preview-url") + "?" + query(), {
      credentials: "same-origin",
      headers: { Accept: "image/png, application/json" },
    })
      .then(function (response) {
        if (response.ok) {
          return response.blob().then(dataUrl).then(function (url) {
            return { url: url };
          });
        }
        return response
          .json()
          .catch(function () {
            return { message: label("error") };
          })
          .then(function (data) {
            return { message: data.message || label("error") };
          });
      })
      .then(function (result) {
        if (ticket !== latest) {
          return;
        }
        image.removeAttribute("aria-busy");
        if (result.url) {
          shown = result.url;
          image.src = shown;
          error.hidden = true;
        } else {
          error.textContent = result.message;
          error.hidden = false;
          status.textContent = label("error");
        }
      })
      .catch(function () {
        if (ticket === latest) {
          image.removeAttribute("aria-busy");
          error.textContent = label("error");
          error.hidden = false;
          status.textContent = label("error");
        }
      });
  }

  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, DELAY);
  }

  image.addEventListener("load", function () {
    if (shown && image.src === shown) {
      status.textContent = label("ready");
    }
  });
  form.addEventListener("input", later);
  form.addEventListener("change", later);
  if (sample) {
    sample.addEventListener("change", refresh);
  }
})();
