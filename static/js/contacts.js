/* My contacts: a contact's note and tags are saved in place (JSON to the form's own
 * address) and the row shows them at once, without leaving the list or losing the
 * search. Without this script each form posts and the page comes back.
 *
 * Texts come from data- attributes of #contact-list.
 */
(function () {
  "use strict";

  var list = document.getElementById("contact-list");
  if (!list || !window.fetch) {
    return;
  }
  var cfg = list.dataset;

  function tagsFrom(text) {
    return text.split(",").map(function (tag) { return tag.trim(); }).filter(Boolean);
  }

  /* The row's note and tag chips, as saved. */
  function render(row, note, tags) {
    var noteBox = row.querySelector("[data-contact-note]");
    noteBox.textContent = "";
    if (note) {
      noteBox.textContent = note;
    } else {
      var empty = document.createElement("span");
      empty.className = "text-body-secondary";
      empty.textContent = cfg.labelNoNote;
      noteBox.appendChild(empty);
    }
    var tagBox = row.querySelector("[data-contact-tags]");
    tagBox.textContent = "";
    tags.forEach(function (tag) {
      var chip = document.createElement("a");
      chip.className = "chip chip-topic text-decoration-none";
      chip.href = "?tag=" + encodeURIComponent(tag);
      chip.textContent = tag;
      tagBox.appendChild(chip);
    });
  }

  list.addEventListener("submit", function (e) {
    var form = e.target.closest("[data-contact-form]");
    if (!form) {
      return;
    }
    e.preventDefault();
    var status = form.querySelector("[data-contact-status]");
    var noteInput = form.querySelector("textarea[name=note]");
    var tagsInput = form.querySelector("input[name=tags]");
    var body = { note: noteInput.value, tags: tagsFrom(tagsInput.value) };
    status.textContent = "";
    fetch(form.action, {
      method: "POST",
      credentials: "same-origin",
      redirect: "manual",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": cfg.csrf },
      body: JSON.stringify(body),
    }).then(function (response) {
      var json = (response.headers.get("Content-Type") || "").indexOf("application/json") !== -1;
      if (response.type === "opaqueredirect" || !json) {
        throw new Error(cfg.labelStale);
      }
      return response.json();
    }).then(function (data) {
      if (!data.ok) {
        status.textContent = data.message || cfg.labelError;
        return;
      }
      noteInput.value = data.note;
      tagsInput.value = data.tags.join(", ");
      render(form.closest("li"), data.note, data.tags);
      status.textContent = cfg.labelSaved;
    }, function (error) {
      status.textContent = error.message || cfg.labelError;
    });
  });
})();
