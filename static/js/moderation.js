/*
 * "Report" disclosures (templates/moderation/_report.html): send the report as JSON and
 * say thank you in place, without leaving the page. Without JavaScript the form posts
 * and the server redirects back with a flash. Loaded once per page even when several
 * report buttons include it.
 */
(function () {
  "use strict";
  if (window.conferenceModerationReport) {
    return;
  }
  window.conferenceModerationReport = true;

  function answer(form, text, ok) {
    var note = document.createElement("div");
    note.className = "small mt-2 " + (ok ? "text-success" : "text-danger");
    note.setAttribute("role", "status");
    note.textContent = text;
    var old = form.querySelector("[role=status]");
    if (old) {
      old.remove();
    }
    form.appendChild(note);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-moderation-report]")) {
      return;
    }
    event.preventDefault();
    var data = {};
    new FormData(form).forEach(function (value, key) {
      if (key !== "csrf_token") {
        data[key] = value;
      }
    });
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    fetch(form.action, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRFToken": form.elements.csrf_token.value,
      },
      body: JSON.stringify(data),
    })
      .then(function (response) {
        return response.json();
      })
      .then(function (body) {
        answer(form, body.message, body.ok);
        if (body.ok) {
          form.querySelector("textarea").disabled = true;
        } else {
          button.disabled = false;
        }
      })
      .catch(function () {
        button.disabled = false;
        form.submit();
      });
  });
})();
