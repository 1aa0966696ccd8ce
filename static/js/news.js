/* The news feed page. Without this script everything still works: Follow and Report are
 * forms that post and come back, and new items show on the next visit.
 *
 * With it: Follow/Following toggles in the background; a report is sent in the
 * background and says thank you in place; and new items arrive live. The server emits
 * "news" ({event, id, topic_id, track_id}) to the followers' own rooms after an item is
 * published; if it belongs to this page's event and filter (and this is the first page),
 * the script fetches the item's card, rendered by the server in the reader's language
 * and with what the reader may do, and puts it at the top.
 */
(function () {
  "use strict";

  var feed = document.getElementById("news-feed");

  function postForm(form) {
    return fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { "Accept": "application/json" },
      credentials: "same-origin"
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") === -1) { throw new Error("fallback"); }
      return response.json();
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!window.fetch || !form.classList) { return; }
    if (form.classList.contains("news-follow")) {
      event.preventDefault();
      var button = form.querySelector("button");
      button.disabled = true;
      postForm(form).then(function (answer) {
        if (!answer.ok) { throw new Error("fallback"); }
        form.querySelector("input[name=action]").value = answer.following ? "unfollow" : "follow";
        button.textContent = answer.following ? button.dataset.labelFollowing : button.dataset.labelFollow;
        button.setAttribute("aria-pressed", answer.following ? "true" : "false");
        button.classList.toggle("btn-secondary", answer.following);
        button.classList.toggle("btn-outline-primary", !answer.following);
        button.disabled = false;
      }).catch(function () {
        form.submit();
      });
    } else if (form.hasAttribute("data-news-report")) {
      event.preventDefault();
      var send = form.querySelector("button[type=submit]");
      var note = form.querySelector("[data-report-note]");
      send.disabled = true;
      postForm(form).then(function (answer) {
        note.textContent = answer.message || "";
        note.hidden = false;
        if (answer.ok) {
          form.querySelector("textarea").disabled = true;
          send.hidden = true;
        } else {
          send.disabled = false;
        }
      }).catch(function () {
        form.submit();
      });
    }
  });

  var realtime = window.ConferenceRealtime;
  if (!feed || !realtime || !feed.dataset.firstPage || !window.fetch) { return; }

  function matches(item) {
    if (item.event !== feed.dataset.event) { return false; }
    if (feed.dataset.topicId && String(item.topic_id) !== feed.dataset.topicId) { return false; }
    if (feed.dataset.trackId && String(item.track_id) !== feed.dataset.trackId) { return false; }
    return !document.getElementById("news-" + item.id);
  }

  realtime.socket.on("news", function (item) {
    if (!item || !matches(item)) { return; }
    var url = feed.dataset.cardUrl.replace(/0$/, String(item.id)) + "?partial=card";
    fetch(url, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) { throw new Error("gone"); }
      return response.text();
    }).then(function (html) {
      if (!matches(item)) { return; }
      var holder = document.createElement("div");
      holder.innerHTML = html;
      var card = holder.querySelector("article");
      if (!card) { return; }
      card.classList.add("news-item-new");
      feed.insertBefore(card, feed.firstChild);
      var empty = document.querySelector("[data-news-empty]");
      if (empty) { empty.remove(); }
    }).catch(function () { /* the item shows on the next visit */ });
  });
})();
