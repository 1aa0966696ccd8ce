/* The sponsor's lead scanner: a badge read by the camera (static/js/qr-camera.js), a
 * photo or a typed code goes to scan.json, and the answer shows in place: green with the
 * person and a quick rating and note (saved through the lead's rate URL), amber when the
 * person had not agreed (they were asked; nothing about them is shown), red for a badge
 * problem. "Scan the next badge" clears it and the camera reads again.
 *
 * Without this script the page still works: the code form and the rating form post and
 * answer with a page. Everything it needs comes from data- attributes of #lead-scan.
 */
(function () {
  "use strict";

  var root = document.getElementById("lead-scan");
  if (!root || !window.fetch || !window.QrCamera) {
    return;
  }
  var cfg = root.dataset;
  var PAYLOAD_MAX = Number(cfg.payloadMax) || 200;
  var MARKS = { green: "\u2713", amber: "!", red: "\u2715" };
  var PANEL = { green: "is-green", amber: "text-bg-warning", red: "is-red" };

  var $ = function (selector) { return root.querySelector(selector); };
  var panel = $("[data-answer]");
  var rateForm = $("[data-rate-form]");
  var rateStatus = $("[data-rate-status]");
  var nextButton = $("[data-answer-next]");
  var busy = false;

  function label(name) {
    return cfg["label" + name.replace(/(^|-)(\w)/g, function (_m, _s, c) {
      return c.toUpperCase();
    })] || "";
  }

  /* ``answer``: {tone, message, lead: {name, company, job_title, rating, rate_url} or null}. */
  function show(answer) {
    var lead = answer.lead || null;
    panel.className = "scan-answer lead-answer mb-3 " + PANEL[answer.tone];
    $("[data-answer-mark]").textContent = MARKS[answer.tone];
    $("[data-answer-name]").textContent = lead ? lead.name : "";
    $("[data-answer-detail]").textContent = lead
      ? [lead.job_title, lead.company].filter(Boolean).join(" \u00b7 ")
      : "";
    $("[data-answer-message]").textContent = answer.message;
    rateForm.hidden = !lead;
    rateStatus.textContent = "";
    if (lead) {
      rateForm.action = lead.rate_url;
      rateForm.reset();
      rateForm.querySelectorAll("input[name=rating]").forEach(function (input) {
        input.checked = input.value === lead.rating;
      });
    }
    nextButton.hidden = false;
    panel.hidden = false;
    panel.scrollIntoView({ block: "start", behavior: "smooth" });
    if (navigator.vibrate) {
      navigator.vibrate(answer.tone === "green" ? 80 : [200, 100, 200]);
    }
  }

  function showProblem(message) {
    show({ tone: "red", message: message, lead: null });
  }

  /* Our JSON, or a failure with the sentence to show: a redirect (to the login page)
   * or a refusal without our JSON means the page must be reloaded. */
  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      redirect: "manual",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": cfg.csrf },
      body: JSON.stringify(body),
    }).then(function (response) {
      var json = (response.headers.get("Content-Type") || "").indexOf("application/json") !== -1;
      if (response.type === "opaqueredirect" || !json) {
        throw new Error(response.status >= 500 ? label("error") : label("stale"));
      }
      return response.json();
    }, function () {
      throw new Error(label("offline"));
    });
  }

  function handleCode(text) {
    if (busy || !text) {
      return;
    }
    busy = true;
    if (Array.from(text).length > PAYLOAD_MAX) {
      showProblem(label("not-badge"));
      return;
    }
    post(cfg.scanUrl, { payload: text }).then(function (data) {
      if (!data.ok) {
        showProblem(data.message || label("error"));
        return;
      }
      show(data);
    }, function (error) {
      showProblem(error.message);
    });
  }

  nextButton.addEventListener("click", function () {
    panel.hidden = true;
    busy = false;
    camera.forget();
    codeInput.focus();
  });

  rateForm.addEventListener("submit", function (e) {
    e.preventDefault();
    var chosen = rateForm.querySelector("input[name=rating]:checked");
    var noteInput = rateForm.querySelector("textarea[name=note]");
    var body = { rating: chosen ? chosen.value : null, note: noteInput.value };
    rateStatus.textContent = "";
    post(rateForm.action, body).then(function (data) {
      if (!data.ok) {
        rateStatus.textContent = data.message || label("error");
        return;
      }
      noteInput.value = "";
      rateStatus.textContent = label("saved");
    }, function (error) {
      rateStatus.textContent = error.message;
    });
  });

  var camera = window.QrCamera.attach(root, {
    isBusy: function () { return busy; },
    onCode: handleCode,
    labels: { cameraError: label("camera-error"), noCode: label("no-code") },
  });

  var codeForm = $("[data-code-form]");
  var codeInput = codeForm.querySelector("input[name=code]");
  /* The script checks the length itself, so a long QR code that is no badge gets
   * "not a badge" instead of the browser cutting the text short. */
  codeInput.removeAttribute("maxlength");
  codeForm.addEventListener("submit", function (e) {
    e.preventDefault();
    busy = false;
    handleCode(codeInput.value.trim());
    codeInput.value = "";
  });

  /* An answer the server rendered (the form was sent before this script ran) gets the
   * same "next" button. */
  if (!panel.hidden) {
    nextButton.hidden = false;
  }
})();
