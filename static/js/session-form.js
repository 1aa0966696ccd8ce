// The session form: one click adds a person with the speaker role to the speakers'
// emails, and deleting the session asks first. Without scripts the form still works
// (the suggestions stay hidden, the delete button deletes).
(function () {
  "use strict";
  var box = document.getElementById("speaker-suggestions");
  if (box) {
    var field = document.getElementById(box.getAttribute("data-target"));
    if (field) {
      box.classList.remove("d-none");
      box.addEventListener("click", function (event) {
        var button = event.target.closest("[data-add-speaker]");
        if (!button) {
          return;
        }
        var email = button.getAttribute("data-add-speaker");
        var lines = field.value.split(/[\s,;]+/).filter(Boolean);
        if (lines.indexOf(email) === -1) {
          lines.push(email);
          field.value = lines.join("\n");
        }
        button.remove();
        field.focus();
      });
    }
  }
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) {
        event.preventDefault();
      }
    });
  });
})();
