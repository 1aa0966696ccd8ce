/* The participants' badge scanner that connects two people (static/js/badge-scan-page.js
 * does the scanning): green when they are contacts (now or already), amber when a
 * request went to them, red for a badge problem.
 *
 * Without this script the page still works: the code form posts and answers with a
 * page. Everything it needs comes from data- attributes of #contact-scan.
 */
(function () {
  "use strict";

  var root = document.getElementById("contact-scan");
  if (!root || !window.fetch || !window.QrCamera || !window.BadgeScanPage) {
    return;
  }
  window.BadgeScanPage.attach(root, { personKey: "person" });
})();
