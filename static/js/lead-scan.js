/* The sponsor's lead scanner (static/js/badge-scan-page.js does the scanning): green
 * with the person and a quick rating and note (saved through the lead's rate URL), amber
 * when the person had not agreed (they were asked; nothing about them is shown), red for
 * a badge problem.
 *
 * Without this script the page still works: the code form and the rating form post and
 * answer with a page. Everything it needs comes from data- attributes of #lead-scan.
 */
(function () {
  "use strict";

  var root = document.getElementById("lead-scan");
  if (!root || !window.fetch || !window.QrCamera || !window.BadgeScanPage) {
    return;
  }
  var rateForm = root.querySelector("[data-rate-form]");
  var rateStatus = root.querySelector("[data-rate-status]");

  /* ``lead``: {name, company, job_title, rating, rate_url} or null. */
  function showRating(_answer, lead) {
    rateForm.hidden = !lead;
    rateStatus.textContent = "";
    if (lead) {
      rateForm.action = lead.rate_url;
      rateForm.reset();
      rateForm.querySelectorAll("input[name=rating]").forEach(function (input) {
        input.checked = input.value === lead.rating;
      });
    }
  }

  var page = window.BadgeScanPage.attach(root, {
    personKey: "lead",
    panelClass: "lead-answer",
    onShow: showRating,
  });

  rateForm.addEventListener("submit", function (e) {
    e.preventDefault();
    var chosen = rateForm.querySelector("input[name=rating]:checked");
    var noteInput = rateForm.querySelector("textarea[name=note]");
    var body = { rating: chosen ? chosen.value : null, note: noteInput.value };
    rateStatus.textContent = "";
    page.post(rateForm.action, body).then(function (data) {
      if (!data.ok) {
        rateStatus.textContent = data.message || page.label("error");
        return;
      }
      noteInput.value = "";
      rateStatus.textContent = page.label("saved");
    }, function (error) {
      rateStatus.textContent = error.message;
    });
  });
})();
