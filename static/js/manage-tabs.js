// The organizer tabs scroll sideways on narrow screens: bring the current one into view.
(function () {
  "use strict";
  var active = document.querySelector(".manage-tabs .nav-link.active");
  if (active && active.scrollIntoView) {
    active.scrollIntoView({ block: "nearest", inline: "center" });
  }
})();
