/* What the participants' and the sponsors' badge scanners share: a badge read by the
 * camera (static/js/qr-camera.js), a photo or a typed code goes to the page's scan URL
 * as JSON, and the answer shows in place, green, amber or red, with the person's name
 * and role; "Scan the next badge" clears it and the camera reads again.
 *
 * BadgeScanPage.attach(root, options) wires the elements inside ``root`` (the answer
 * panel and its [data-answer-*] parts, the typed-code form) from its data- attributes
 * (scan-url, csrf, payload-max, label-*) and returns {post, label} for the page's own
 * extras. Options:
 *   personKey  the key of the person in an answer ("person", "lead")
 *   panelClass extra classes of the answer panel
 *   onShow(answer, person)  called after an answer is shown (the lead rating form)
 */
(function () {
  "use strict";

  var MARKS = { green: "\u2713", amber: "!", red: "\u2715" };
  var PANEL = { green: "is-green", amber: "text-bg-warning", red: "is-red" };

  function attach(root, options) {
    var cfg = root.dataset;
    var payloadMax = Number(cfg.payloadMax) || 200;
    var $ = function (selector) { return root.querySelector(selector); };
    var panel = $("[data-answer]");
    var nextButton = $("[data-answer-next]");
    var busy = false;

    function label(name) {
      return cfg["label" + name.replace(/(^|-)(\w)/g, function (_m, _s, c) {
        return c.toUpperCase();
      })] || "";
    }

    /* ``answer``: {tone, message, <personKey>: {name, company, job_title, ...} or null}. */
    function show(answer) {
      var person = answer[options.personKey] || null;
      panel.className = ["scan-answer", options.panelClass, "mb-3", PANEL[answer.tone]]
        .filter(Boolean).join(" ");
      $("[data-answer-mark]").textContent = MARKS[answer.tone];
      $("[data-answer-name]").textContent = person ? person.name : "";
      $("[data-answer-detail]").textContent = person
        ? [person.job_title, person.company].filter(Boolean).join(" \u00b7 ")
        : "";
      $("[data-answer-message]").textContent = answer.message;
      if (options.onShow) {
        options.onShow(answer, person);
      }
      nextButton.hidden = false;
      panel.hidden = false;
      panel.scrollIntoView({ block: "start", behavior: "smooth" });
      if (navigator.vibrate) {
        navigator.vibrate(answer.tone === "red" ? [200, 100, 200] : 80);
      }
    }

    function showProblem(message) {
      var answer = { tone: "red", message: message };
      answer[options.personKey] = null;
      show(answer);
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
      if (Array.from(text).length > payloadMax) {
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

    nextButton.addEventListener("click", function () {
      panel.hidden = true;
      busy = false;
      camera.forget();
      codeInput.focus();
    });

    /* An answer the server rendered (the form was sent before this script ran) gets the
     * same "next" button. */
    if (!panel.hidden) {
      nextButton.hidden = false;
    }
    return { post: post, label: label };
  }

  window.BadgeScanPage = { attach: attach };
})();
