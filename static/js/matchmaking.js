// The "people to meet" page works without this script: Dismiss and More like this are
// forms that post and come back. With it, they are sent in the background: a dismissed
// card fades and leaves, and a "more like this" card says the list will follow. Any
// failure falls back to the normal form post.
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("suggestion-feedback") || !window.fetch) { return; }
    event.preventDefault();
    var card = form.closest(".suggestion");
    var buttons = card.querySelectorAll(".suggestion-feedback button");
    buttons.forEach(function (b) { b.disabled = true; });
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { "Accept": "application/json" },
      credentials: "same-origin"
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (!response.ok || type.indexOf("application/json") === -1) { throw new Error("fallback"); }
      return response.json();
    }).then(function (answer) {
      if (!answer.ok) { throw new Error("fallback"); }
      var note = card.querySelector(".feedback-note");
      note.textContent = answer.message;
      note.classList.remove("d-none");
      if (answer.verdict === "dismissed") {
        card.classList.add("is-dismissed");
        window.setTimeout(function () { card.remove(); }, 1500);
      } else {
        buttons.forEach(function (b) { b.disabled = false; });
      }
    }).catch(function () {
      buttons.forEach(function (b) { b.disabled = false; });
      form.submit();
    });
  });
})();
