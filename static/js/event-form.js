// Event form: suggest the web address from the name until the person edits it,
// and preselect the browser's time zone on a fresh "New event" form.
(function () {
  "use strict";
  var form = document.querySelector("form.event-form");
  if (!form) return;

  var name = form.querySelector("#name");
  var slug = form.querySelector("#slug");
  if (form.hasAttribute("data-slug-from-name") && name && slug) {
    var touched = slug.value !== "";
    var slugify = function (text) {
      return text
        .normalize("NFKD")
        .replace(/[\u0300-\u036f]/g, "")
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, "-")
        .replace(/^-+|-+$/g, "")
        .slice(0, 64)
        .replace(/-+$/, "");
    };
    slug.addEventListener("input", function () {
      touched = slug.value !== "";
    });
    name.addEventListener("input", function () {
      if (!touched) slug.value = slugify(name.value);
    });
  }

  var zone = form.querySelector("#timezone");
  if (form.hasAttribute("data-guess-timezone") && zone && window.Intl) {
    var guess = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (guess && zone.querySelector('option[value="' + guess + '"]')) zone.value = guess;
  }
})();
