/* The meeting pages, on top of forms that work without JavaScript.
 *
 * - The slot picker (request, propose, reschedule): once a time is chosen, places that
 *   are full at that time are disabled in the place list (each time's radio button
 *   names the places with room in data-places); a disabled choice moves to the first
 *   place with room.
 * - My meetings and a meeting's page: when a "meeting_changed" event arrives over the
 *   page's socket (static/js/realtime.js) for this event, the list is fetched again and
 *   swapped in place; so is the meeting shown, when the other person changed it.
 */
(function () {
  "use strict";

  function syncPlaces(form) {
    var chosen = form.querySelector("input[name=slot]:checked");
    var select = form.querySelector("select[name=place]");
    if (!chosen || !select) {
      return;
    }
    var open = (chosen.dataset.places || "").split(" ");
    var firstOpen = null;
    Array.prototype.forEach.call(select.options, function (option) {
      var hasRoom = open.indexOf(option.value) !== -1;
      option.disabled = !hasRoom;
      if (hasRoom && firstOpen === null) {
        firstOpen = option;
      }
    });
    var selected = select.options[select.selectedIndex];
    if ((!selected || selected.disabled) && firstOpen) {
      firstOpen.selected = true;
    }
  }

  var form = document.getElementById("meeting-form");
  if (form) {
    form.addEventListener("change", function (event) {
      if (event.target && event.target.name === "slot") {
        syncPlaces(form);
      }
    });
    syncPlaces(form);
  }

  /* Fetch ``url`` and put its element #id in place of ours. */
  function refresh(id) {
    var current = document.getElementById(id);
    if (!current || !current.dataset.refreshUrl) {
      return;
    }
    fetch(current.dataset.refreshUrl, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (!html) {
          return;
        }
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById(id);
        if (fresh) {
          current.replaceWith(fresh);
        }
      })
      .catch(function () {});
  }

  var realtime = window.ConferenceRealtime;
  var lists = document.getElementById("meeting-lists");
  var meeting = document.getElementById("meeting");
  if (!realtime || !(lists || meeting)) {
    return;
  }
  var slug = (lists || meeting).dataset.eventSlug;
  realtime.socket.on("meeting_changed", function (payload) {
    if (!payload || payload.event_slug !== slug) {
      return;
    }
    if (document.getElementById("meeting-lists")) {
      refresh("meeting-lists");
    }
    var shown = document.getElementById("meeting");
    if (shown && payload.text && Number(shown.dataset.meetingId) === payload.meeting_id) {
      refresh("meeting");
    }
  });
})();
