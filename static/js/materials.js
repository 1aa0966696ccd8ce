// Forms with data-confirm="<question>" (removing a material) ask before they are sent.
(function () {
  "use strict";
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    if (form.dataset.confirmBound) return;
    form.dataset.confirmBound = "1";
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
    });
  });
})();
