// On wide screens the directory's filters apply as soon as one is ticked. On
// phones (filters in a collapsed panel) and without this script, the
// "Apply filters" button does it, so the panel stays open while choosing.
(function () {
  "use strict";
  var form = document.getElementById("directory-form");
  var filters = document.getElementById("directory-filters");
  if (!form || !filters || !window.matchMedia("(min-width: 992px)").matches) { return; }
  filters.addEventListener("change", function (event) {
    if (event.target.matches("input[type=checkbox]")) { form.requestSubmit(); }
  });
  filters.querySelectorAll(".js-hide").forEach(function (el) { el.classList.add("d-none"); });
})();
