/* Realtime on every page for signed-in people.
 *
 * Opens the one Socket.IO connection of the page (the server accepts it only for a
 * logged-in session and puts it in the person's own room), keeps the unread badge
 * of the navigation current, shows a small toast when a message arrives for a
 * conversation that is not open, keeps the "Meetings" badge current and shows a
 * toast when the other person changes a meeting ("meeting_changed"), and ends the
 * page's session when the server says so (logout elsewhere, suspension, password
 * change). Logging out also deletes the offline list the check-in page kept.
 *
 * Page scripts (messages.js, meetings.js) reuse the connection through
 * window.ConferenceRealtime. Everything the script needs comes from data- attributes
 * of #realtime (base.html).
 */
(function () {
  "use strict";

  /* Set while this page logs out: the server's "session_ended" then races the logout
   * response, and reloading the page would cancel the navigation that clears the
   * session cookie, leaving the person logged in. */
  var loggingOut = false;

  /* The check-in page keeps the event's participant list on the device for scanning
   * offline (checkin.js); it leaves with the session. Scans still queued stay, to be
   * sent after the next login. */
  document.querySelectorAll("form[data-logout]").forEach(function (form) {
    form.addEventListener("submit", function () {
      loggingOut = true;
      if (window.indexedDB) {
        window.indexedDB.deleteDatabase("checkin");
      }
    });
  });

  var config = document.getElementById("realtime");
  if (!config || typeof window.io !== "function") {
    return;
  }
  var me = Number(config.dataset.userId);
  var socket = window.io({ autoConnect: true });

  function setUnread(total) {
    var count = Number(total) || 0;
    document.querySelectorAll("[data-unread-badge]").forEach(function (badge) {
      badge.hidden = count <= 0;
      var number = badge.querySelector("[data-unread-count]");
      if (number) {
        number.textContent = count > 99 ? "99+" : String(count);
      }
    });
  }

  function conversationUrl(id) {
    return config.dataset.conversationUrl.replace(/0$/, String(id));
  }

  /* The conversation shown on this page, if any (the conversation page marks it). */
  function openConversationId() {
    var chat = document.getElementById("chat");
    return chat ? Number(chat.dataset.conversationId) : null;
  }

  /* A toast: ``title`` in bold, a small ``kind`` beside it, ``text`` linking to ``href``. */
  function showToast(notice) {
    var container = document.getElementById("message-toasts");
    if (!container || !window.bootstrap) {
      return;
    }
    var toast = document.createElement("div");
    toast.className = "toast message-toast";
    toast.setAttribute("role", "status");
    toast.setAttribute("aria-live", "polite");
    toast.setAttribute("aria-atomic", "true");

    var header = document.createElement("div");
    header.className = "toast-header";
    var dot = document.createElement("span");
    dot.className = "toast-dot";
    var name = document.createElement("strong");
    name.className = "me-auto text-truncate";
    name.textContent = notice.title;
    var kind = document.createElement("small");
    kind.className = "text-body-secondary ms-2";
    kind.textContent = notice.kind;
    var close = document.createElement("button");
    close.type = "button";
    close.className = "btn-close ms-2";
    close.setAttribute("data-bs-dismiss", "toast");
    close.setAttribute("aria-label", config.dataset.labelClose);
    header.append(dot, name, kind, close);

    var body = document.createElement("div");
    body.className = "toast-body";
    var link = document.createElement("a");
    link.className = "toast-link";
    link.href = notice.href;
    var text = document.createElement("span");
    text.className = "toast-text";
    text.textContent = notice.text;
    link.append(text);
    body.append(link);

    toast.append(header, body);
    container.append(toast);
    toast.addEventListener("hidden.bs.toast", function () {
      toast.remove();
    });
    window.bootstrap.Toast.getOrCreateInstance(toast, { delay: 7000 }).show();
  }

  socket.on("unread", function (data) {
    setUnread(data && data.total);
  });

  socket.on("message", function (payload) {
    if (!payload || payload.sender_id === me || payload.hidden) {
      return;
    }
    if (payload.conversation_id === openConversationId() || document.getElementById("inbox")) {
      return;
    }
    showToast({
      title: payload.sender_name,
      kind: config.dataset.labelNewMessage,
      text: payload.hidden ? config.dataset.labelRemoved : payload.body,
      href: conversationUrl(payload.conversation_id),
    });
  });

  function meetingUrl(slug, id) {
    return config.dataset.meetingUrl
      .replace("_slug_", encodeURIComponent(slug))
      .replace(/0$/, String(id));
  }

  /* The Meetings badge of the event the page belongs to counts what waits for my answer. */
  function setMeetingsPending(slug, total) {
    var count = Number(total) || 0;
    document.querySelectorAll("[data-meetings-badge]").forEach(function (badge) {
      if (badge.dataset.eventSlug !== slug) {
        return;
      }
      badge.hidden = count <= 0;
      var number = badge.querySelector("[data-meetings-count]");
      if (number) {
        number.textContent = count > 99 ? "99+" : String(count);
      }
    });
  }

  socket.on("meeting_changed", function (payload) {
    if (!payload || !payload.event_slug) {
      return;
    }
    setMeetingsPending(payload.event_slug, payload.pending_count);
    if (payload.text) {
      showToast({
        title: config.dataset.labelMeeting,
        kind: "",
        text: payload.text,
        href: meetingUrl(payload.event_slug, payload.meeting_id),
      });
    }
  });

  socket.on("session_ended", function () {
    socket.disconnect();
    if (!loggingOut) {
      window.location.reload();
    }
  });

  window.ConferenceRealtime = {
    socket: socket,
    me: me,
    setUnread: setUnread,
    conversationUrl: conversationUrl,
    meetingUrl: meetingUrl,
  };
})();
