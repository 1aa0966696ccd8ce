// The organizer's registrations table: "select all" and a count of the selected rows.
// Progressive enhancement only: without this script every row has its own checkbox
// and the bulk buttons work the same.
(function () {
  "use strict";
  var form = document.getElementById("bulk-form");
  if (!form) {
    return;
  }
  var selectAll = form.querySelector(".js-select-all");
  var rows = Array.prototype.slice.call(form.querySelectorAll(".row-check"));
  var count = form.querySelector(".js-selected-count");
  var actions = form.querySelectorAll(".js-bulk-action");
  var template = form.getAttribute("data-selected-template") || "{num} selected:";

  function update() {
    var checked = rows.filter(function (box) { return box.checked; }).length;
    selectAll.checked = checked > 0 && checked === rows.length;
    selectAll.indeterminate = checked > 0 && checked < rows.length;
    count.textContent = template.replace("{num}", String(checked));
    actions.forEach(function (button) { button.disabled = checked === 0; });
  }

  selectAll.classList.remove("d-none");
  count.classList.remove("d-none");
  form.querySelectorAll(".js-no-count").forEach(function (el) { el.classList.add("d-none"); });
  selectAll.addEventListener("change", function () {
    rows.forEach(function (box) { box.checked = selectAll.checked; });
    update();
  });
  rows.forEach(function (box) { box.addEventListener("change", update); });
  update();
})();
