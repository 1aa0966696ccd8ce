// The program pages work without this script: filters have a "Filter" button and
// bookmark buttons are forms that post and come back. With it, on wide screens a
// filter applies as soon as it changes, and a bookmark is sent in the background and
// the button updated in place (falling back to the normal form post on any failure).
(function () {
  "use strict";

  var filters = document.getElementById("agenda-filters");
  if (filters) {
    // On phones the filters sit in a collapsed panel: there the "Filter" button applies
    // them, so the panel stays open while choosing several.
    if (window.matchMedia("(min-width: 768px)").matches) {
      filters.addEventListener("change", function (event) {
        if (event.target.matches("select")) { filters.requestSubmit(); }
      });
      filters.querySelectorAll(".js-hide").forEach(function (el) { el.classList.add("d-none"); });
    }
  }

  function show(form, bookmarked, count) {
    var button = form.querySelector(".btn-bookmark");
    var on = form.querySelector("input[name=on]");
    var label = button.querySelector(".label");
    on.value = bookmarked ? "0" : "1";
    button.setAttribute("aria-pressed", bookmarked ? "true" : "false");
    label.textContent = bookmarked ? button.dataset.labelOn : button.dataset.labelOff;
    button.title = bookmarked ? button.dataset.labelOn : button.dataset.labelOff;
    var counter = form.parentElement.querySelector("[data-bookmark-count]");
    if (counter && typeof count === "number") {
      counter.textContent = String(count);
    }
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("bookmark-form") || !window.fetch) { return; }
    event.preventDefault();
    var button = form.querySelector(".btn-bookmark");
    button.disabled = true;
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
      show(form, answer.bookmarked, answer.count);
      button.disabled = false;
    }).catch(function () {
      button.disabled = false;
      form.submit();
    });
  });
})();
