/* The messaging pages, progressively enhanced (they work without this script).
 *
 * Inbox (#inbox): the list refreshes itself when a message arrives, presence dots
 * follow people coming and going.
 *
 * Conversation (#chat): messages go over the socket with an id made here
 * (a UUID), show at once as "Sending…", and are resent with the SAME id until the
 * server acknowledges them, so a message is never lost and never stored twice.
 * They are sent one at a time, in the order typed. After every (re)connect the
 * page asks for everything after the newest message it has ("sync"). Older
 * history loads when scrolling up; typing, read receipts and presence are live.
 *
 * Message text is only ever put into the page as text nodes; links are made with
 * DOM calls for http(s) addresses only.
 */
(function () {
  "use strict";

  var realtime = window.ConferenceRealtime;
  var lang = document.documentElement.lang || undefined;
  var ACK_TIMEOUT_MS = 5000;
  var TYPING_EVERY_MS = 2500;
  var TYPING_SHOWN_MS = 4000;

  /* --- times in the reader's own zone and language ------------------------------ */

  var timeFormat = new Intl.DateTimeFormat(lang, { hour: "numeric", minute: "2-digit" });
  var fullFormat = new Intl.DateTimeFormat(lang, { dateStyle: "full", timeStyle: "short" });
  var weekdayFormat = new Intl.DateTimeFormat(lang, { weekday: "short" });
  var dayMonthFormat = new Intl.DateTimeFormat(lang, { day: "numeric", month: "short" });
  var shortDateFormat = new Intl.DateTimeFormat(lang, { dateStyle: "short" });
  var dayFormat = new Intl.DateTimeFormat(lang, { weekday: "long", day: "numeric", month: "long" });
  var dayYearFormat = new Intl.DateTimeFormat(lang, { dateStyle: "full" });

  function startOfDay(date) {
    return new Date(date.getFullYear(), date.getMonth(), date.getDate());
  }

  function daysAgo(date) {
    return Math.round((startOfDay(new Date()) - startOfDay(date)) / 86400000);
  }

  function relativeLabel(date) {
    var ago = daysAgo(date);
    if (ago <= 0) {
      return timeFormat.format(date);
    }
    if (ago < 7) {
      return weekdayFormat.format(date);
    }
    if (date.getFullYear() === new Date().getFullYear()) {
      return dayMonthFormat.format(date);
    }
    return shortDateFormat.format(date);
  }

  function localizeTimes(root) {
    root.querySelectorAll("time[datetime][data-format]").forEach(function (el) {
      var date = new Date(el.getAttribute("datetime"));
      if (isNaN(date.getTime())) {
        return;
      }
      el.textContent =
        el.dataset.format === "relative" ? relativeLabel(date) : timeFormat.format(date);
      el.title = fullFormat.format(date);
    });
  }

  localizeTimes(document);

  /* --- presence dots anywhere on the page --------------------------------------- */

  function showPresence(userId, online, labels) {
    document.querySelectorAll('[data-presence-for="' + userId + '"]').forEach(function (dot) {
      dot.classList.toggle("is-online", online);
      if (labels) {
        dot.title = online ? labels.online : labels.offline;
      }
    });
  }

  if (!realtime) {
    return;
  }
  var socket = realtime.socket;

  socket.on("presence", function (data) {
    if (data && typeof data.user_id === "number") {
      showPresence(data.user_id, Boolean(data.online), null);
    }
  });

  /* Re-render a conversation list from the inbox page's HTML (no side effects there). */
  function refreshList(target, activeId) {
    var url = realtime.conversationUrl(0).replace(/0$/, "");
    return fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        return response.ok ? response.text() : Promise.reject(response.status);
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById(target.id === "inbox" ? "inbox" : "conversation-list");
        if (!fresh) {
          return;
        }
        if (target.id === "inbox") {
          target.replaceChildren.apply(
            target,
            Array.prototype.map.call(fresh.childNodes, function (node) {
              return document.importNode(node, true);
            })
          );
        } else {
          var list = document.importNode(fresh, true);
          list.querySelectorAll(".conv-item").forEach(function (item) {
            var active = Number(item.dataset.conversationId) === activeId;
            item.classList.toggle("is-active", active);
            if (active) {
              item.setAttribute("aria-current", "page");
            }
          });
          target.replaceWith(list);
        }
        localizeTimes(document);
      })
      .catch(function () {
        /* The list stays as it was; the next message or a reload refreshes it. */
      });
  }

  function debounce(fn, ms) {
    var timer = null;
    return function () {
      clearTimeout(timer);
      timer = setTimeout(fn, ms);
    };
  }

  /* --- the inbox ------------------------------------------------------------------- */

  var inbox = document.getElementById("inbox");
  if (inbox) {
    var refreshInbox = debounce(function () {
      refreshList(document.getElementById("inbox"), null);
    }, 250);
    var reconnecting = false;
    socket.on("message", refreshInbox);
    socket.on("disconnect", function () {
      reconnecting = true;
    });
    socket.on("connect", function () {
      if (reconnecting) {
        refreshInbox();
      }
    });
  }

  /* --- a conversation ---------------------------------------------------------------- */

  var chat = document.getElementById("chat");
  if (!chat) {
    return;
  }
  var conversationId = Number(chat.dataset.conversationId);
  var me = Number(chat.dataset.me);
  var otherId = Number(chat.dataset.otherId);
  var labels = chat.dataset;
  var list = document.getElementById("chat-messages");
  var scroller = document.getElementById("chat-scroll");
  var typingBox = document.getElementById("chat-typing");
  var announce = document.getElementById("chat-announce");
  var form = document.getElementById("composer");
  var input = document.getElementById("composer-body");
  var browsingOlder = chat.dataset.browsingOlder === "true";
  var seenUpTo = Number(chat.dataset.seenUpTo) || 0;

  function messages() {
    return Array.prototype.slice.call(list.querySelectorAll(".msg[data-id]"));
  }

  function lastId() {
    var all = messages();
    return all.length ? Number(all[all.length - 1].dataset.id) : 0;
  }

  function firstId() {
    var all = messages();
    return all.length ? Number(all[0].dataset.id) : 0;
  }

  function nearBottom() {
    return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 120;
  }

  function scrollToBottom() {
    scroller.scrollTop = scroller.scrollHeight;
  }

  /* Text with its http(s) links made clickable, built from DOM nodes only. */
  var LINK = /\bhttps?:\/\/[^\s<>"']+/gi;
  var TRAILING = /[.,;:!?)\]}'"]+$/;

  function setBody(node, text) {
    node.textContent = "";
    var at = 0;
    var match;
    LINK.lastIndex = 0;
    while ((match = LINK.exec(text)) !== null) {
      var url = match[0].replace(TRAILING, "");
      if (!url) {
        continue;
      }
      node.append(text.slice(at, match.index));
      var link = document.createElement("a");
      link.href = url;
      link.rel = "nofollow noopener noreferrer";
      link.target = "_blank";
      link.textContent = url;
      node.append(link);
      at = match.index + url.length;
      LINK.lastIndex = at;
    }
    node.append(text.slice(at));
  }

  function fromTemplate(id) {
    return document.getElementById(id).content.firstElementChild.cloneNode(true);
  }

  /* Fill a message element with what the server stored. */
  function fill(el, payload) {
    el.id = "m" + payload.id;
    el.dataset.id = String(payload.id);
    el.dataset.senderId = String(payload.sender_id);
    el.dataset.clientId = payload.client_id;
    el.dataset.created = payload.created_at;
    el.classList.remove("is-pending", "is-failed");
    el.classList.toggle("is-hidden", Boolean(payload.hidden));
    setBody(el.querySelector(".msg-body"), payload.hidden ? "" : payload.body);
    var time = el.querySelector("time");
    time.setAttribute("datetime", payload.created_at);
    localizeTimes(el);
    var report = el.querySelector(".msg-report");
    if (report) {
      if (payload.hidden) {
        report.remove();
      } else {
        var reportForm = report.querySelector("form");
        reportForm.action = chat.dataset.reportUrl.replace(/0$/, String(payload.id));
        var reason = report.querySelector("textarea");
        var label = report.querySelector("label");
        reason.id = "reason-" + payload.id;
        label.htmlFor = reason.id;
      }
    }
    return el;
  }

  function build(payload) {
    var mine = payload.sender_id === me;
    return fill(fromTemplate(mine ? "msg-template-mine" : "msg-template-theirs"), payload);
  }

  /* Put a stored message where its id says, before anything still being sent. */
  function place(el, id) {
    var before = messages().find(function (other) {
      return other !== el && Number(other.dataset.id) > id;
    });
    if (!before) {
      before = list.querySelector(".msg.is-pending, .msg.is-failed");
      if (before === el) {
        before = null;
      }
    }
    list.insertBefore(el, before);
  }

  function dayLabel(date) {
    var ago = daysAgo(date);
    if (ago === 0) {
      return labels.labelToday;
    }
    if (ago === 1) {
      return labels.labelYesterday;
    }
    return date.getFullYear() === new Date().getFullYear()
      ? dayFormat.format(date)
      : dayYearFormat.format(date);
  }

  /* Day dividers in the reader's zone, redrawn after every change of the list. */
  function renderDays() {
    list.querySelectorAll(".msg-day").forEach(function (divider) {
      divider.remove();
    });
    var previous = null;
    list.querySelectorAll(".msg").forEach(function (el) {
      var date = el.dataset.created ? new Date(el.dataset.created) : new Date();
      var key = startOfDay(date).getTime();
      if (key !== previous) {
        var divider = fromTemplate("day-template");
        divider.querySelector("span").textContent = dayLabel(date);
        list.insertBefore(divider, el);
        previous = key;
      }
    });
    var empty = document.getElementById("chat-empty");
    if (empty && list.querySelector(".msg")) {
      empty.remove();
    }
  }

  /* "Sent" or "Seen" under my newest stored message, nothing under the older ones. */
  function renderStatuses() {
    var mine = messages().filter(function (el) {
      return Number(el.dataset.senderId) === me;
    });
    mine.forEach(function (el, index) {
      var status = el.querySelector(".msg-status");
      if (index < mine.length - 1) {
        status.textContent = "";
      } else {
        status.textContent =
          Number(el.dataset.id) <= seenUpTo ? labels.labelSeen : labels.labelSent;
      }
    });
  }

  function refresh() {
    renderDays();
    renderStatuses();
  }

  /* A stored message arrived (live, from sync, or from older history). */
  function upsert(payload) {
    if (payload.conversation_id !== conversationId) {
      return;
    }
    var existing = list.querySelector('.msg[data-id="' + payload.id + '"]');
    if (existing) {
      fill(existing, payload);
      return;
    }
    if (payload.sender_id === me && outbox.has(payload.client_id)) {
      settle(outbox.get(payload.client_id), payload);
      return;
    }
    place(build(payload), payload.id);
  }

  /* --- sending: one at a time, in order, the same id until acknowledged -------------- */

  var outbox = new Map();
  var inFlight = null;
  var attempt = 0;

  function uuid() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    var bytes = window.crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map
      .call(bytes, function (b) {
        return b.toString(16).padStart(2, "0");
      })
      .join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join(
      "-"
    );
  }

  function setPendingStatus(entry, text) {
    var status = entry.el.querySelector(".msg-status");
    status.replaceChildren(text);
  }

  function settle(entry, payload) {
    outbox.delete(entry.clientId);
    if (inFlight && inFlight.entry === entry) {
      inFlight = null;
    }
    if (list.querySelector('.msg[data-id="' + payload.id + '"]')) {
      entry.el.remove();
    } else {
      fill(entry.el, payload);
      place(entry.el, payload.id);
    }
    refresh();
    pump();
  }

  function fail(entry, message) {
    entry.failed = true;
    entry.el.classList.remove("is-pending");
    entry.el.classList.add("is-failed");
    var notice = fromTemplate("failed-template");
    if (message) {
      notice.title = message;
      notice.prepend(message + " ");
    }
    notice.querySelector(".msg-retry").addEventListener("click", function () {
      entry.failed = false;
      entry.el.classList.remove("is-failed");
      entry.el.classList.add("is-pending");
      setPendingStatus(entry, labels.labelSending);
      pump();
    });
    entry.el.querySelector(".msg-status").replaceChildren(notice);
  }

  function nextToSend() {
    var found = null;
    outbox.forEach(function (entry) {
      if (!found && !entry.failed) {
        found = entry;
      }
    });
    return found;
  }

  function pump() {
    if (inFlight || !socket.connected) {
      return;
    }
    var entry = nextToSend();
    if (!entry) {
      return;
    }
    var token = ++attempt;
    inFlight = { entry: entry, token: token };
    setPendingStatus(entry, labels.labelSending);
    socket
      .timeout(ACK_TIMEOUT_MS)
      .emit(
        "send_message",
        { conversation_id: conversationId, client_id: entry.clientId, body: entry.body },
        function (err, ack) {
          if (!inFlight || inFlight.token !== token) {
            return;
          }
          inFlight = null;
          if (!outbox.has(entry.clientId)) {
            pump();
            return;
          }
          if (err) {
            entry.tries += 1;
            setPendingStatus(entry, labels.labelWaiting);
            setTimeout(pump, Math.min(1000 * entry.tries, 5000));
            return;
          }
          if (ack && ack.ok) {
            settle(entry, ack.message);
            return;
          }
          if (ack && ack.error === "rate_limited") {
            setPendingStatus(entry, labels.labelWaiting);
            setTimeout(pump, 3000);
            return;
          }
          fail(entry, ack && ack.message);
          pump();
        }
      );
  }

  function send() {
    var body = input.value.trim();
    if (!body) {
      return;
    }
    var entry = { clientId: uuid(), body: body, tries: 0, failed: false };
    var el = fromTemplate("msg-template-mine");
    el.classList.add("is-pending");
    el.dataset.clientId = entry.clientId;
    el.dataset.created = new Date().toISOString();
    setBody(el.querySelector(".msg-body"), body);
    var time = el.querySelector("time");
    time.setAttribute("datetime", el.dataset.created);
    localizeTimes(el);
    entry.el = el;
    outbox.set(entry.clientId, entry);
    list.append(el);
    setPendingStatus(entry, socket.connected ? labels.labelSending : labels.labelWaiting);
    refresh();
    scrollToBottom();
    input.value = "";
    resizeInput();
    input.focus();
    pump();
  }

  /* --- reading: mark read when visible, catch up after reconnecting ------------------ */

  var markedUpTo = browsingOlder ? 0 : lastId();

  function markRead() {
    if (browsingOlder || document.visibilityState !== "visible" || !socket.connected) {
      return;
    }
    var newest = lastId();
    if (!newest || newest <= markedUpTo) {
      return;
    }
    markedUpTo = newest;
    socket.emit("mark_read", { conversation_id: conversationId, message_id: newest }, function (ack) {
      if (ack && ack.ok) {
        realtime.setUnread(ack.unread_total);
      }
    });
  }

  function sync() {
    if (browsingOlder) {
      return;
    }
    socket.emit("sync", { conversation_id: conversationId, after_id: lastId() }, function (ack) {
      if (!ack || !ack.ok) {
        return;
      }
      var atBottom = nearBottom();
      ack.messages.forEach(upsert);
      refresh();
      if (atBottom) {
        scrollToBottom();
      }
      markRead();
      if (ack.more) {
        sync();
      }
    });
  }

  function showOnline(online) {
    showPresence(otherId, online, { online: labels.labelOnline, offline: labels.labelOffline });
    document.querySelectorAll('[data-presence-text="' + otherId + '"]').forEach(function (el) {
      el.textContent = online ? labels.labelOnline : labels.labelOffline;
      el.classList.toggle("is-online", online);
    });
  }

  var refreshSidebar = debounce(function () {
    var sidebarList = document.querySelector(".chat-sidebar #conversation-list");
    if (sidebarList && sidebarList.offsetParent !== null) {
      refreshList(sidebarList, conversationId);
    }
  }, 400);

  function onConnect() {
    socket.emit("presence", { conversation_id: conversationId }, function (ack) {
      if (ack && ack.ok) {
        showOnline(Boolean(ack.online));
      }
    });
    sync();
    pump();
  }

  socket.on("connect", onConnect);
  socket.on("disconnect", function () {
    inFlight = null;
    outbox.forEach(function (entry) {
      if (!entry.failed) {
        setPendingStatus(entry, labels.labelWaiting);
      }
    });
  });
  if (socket.connected) {
    onConnect();
  }

  socket.on("message", function (payload) {
    if (!payload || payload.conversation_id !== conversationId) {
      refreshSidebar();
      return;
    }
    if (browsingOlder) {
      return;
    }
    var atBottom = nearBottom();
    var known = list.querySelector('.msg[data-id="' + payload.id + '"]');
    upsert(payload);
    refresh();
    if (payload.sender_id !== me && !known && !payload.hidden) {
      typingBox.hidden = true;
      announce.textContent = payload.sender_name + ": " + payload.body;
      markRead();
    }
    if (atBottom || payload.sender_id === me) {
      scrollToBottom();
    }
    refreshSidebar();
  });

  socket.on("read", function (data) {
    if (data && data.conversation_id === conversationId && data.user_id === otherId) {
      seenUpTo = Math.max(seenUpTo, Number(data.message_id) || 0);
      renderStatuses();
    }
  });

  socket.on("presence", function (data) {
    if (data && data.user_id === otherId) {
      showOnline(Boolean(data.online));
    }
  });

  var typingTimer = null;
  socket.on("typing", function (data) {
    if (!data || data.conversation_id !== conversationId || data.user_id !== otherId) {
      return;
    }
    var atBottom = nearBottom();
    typingBox.hidden = false;
    if (atBottom) {
      scrollToBottom();
    }
    clearTimeout(typingTimer);
    typingTimer = setTimeout(function () {
      typingBox.hidden = true;
    }, TYPING_SHOWN_MS);
  });

  document.addEventListener("visibilitychange", markRead);
  window.addEventListener("focus", markRead);

  /* --- the conversation menu and report forms (<details>, so they work without JS) ----- */

  function closeMenus(except) {
    document.querySelectorAll("details.chat-menu[open], details.msg-report[open]").forEach(
      function (open) {
        if (!except || !open.contains(except)) {
          open.open = false;
        }
      }
    );
  }

  document.addEventListener("click", function (event) {
    closeMenus(event.target);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      closeMenus(null);
    }
  });
  list.addEventListener(
    "toggle",
    function (event) {
      var details = event.target;
      if (details.classList.contains("msg-report") && details.open) {
        details.scrollIntoView({ block: "nearest" });
        details.querySelector("textarea").focus({ preventScroll: true });
      }
    },
    true
  );

  /* --- older history ------------------------------------------------------------------ */

  var olderBox = document.querySelector(".chat-older");
  var olderLink = document.getElementById("load-older");
  var loadingOlder = false;

  function loadOlder() {
    if (loadingOlder || !olderBox) {
      return;
    }
    loadingOlder = true;
    olderBox.classList.add("is-loading");
    var url = chat.dataset.historyUrl + "?before=" + firstId();
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.ok ? response.json() : Promise.reject(response.status);
      })
      .then(function (data) {
        var height = scroller.scrollHeight;
        var top = scroller.scrollTop;
        data.messages.forEach(upsert);
        refresh();
        scroller.scrollTop = top + (scroller.scrollHeight - height);
        if (data.more) {
          olderLink.href = "?before=" + firstId();
        } else {
          olderBox.remove();
          olderBox = null;
        }
      })
      .catch(function () {
        olderLink.textContent = labels.labelOlderFailed;
      })
      .finally(function () {
        loadingOlder = false;
        if (olderBox) {
          olderBox.classList.remove("is-loading");
        }
      });
  }

  if (olderLink) {
    olderLink.addEventListener("click", function (event) {
      event.preventDefault();
      loadOlder();
    });
    scroller.addEventListener(
      "scroll",
      function () {
        if (scroller.scrollTop < 80) {
          loadOlder();
        }
      },
      { passive: true }
    );
  }

  /* --- the composer -------------------------------------------------------------------- */

  function resizeInput() {
    input.style.height = "auto";
    input.style.height = input.scrollHeight + 2 + "px";
  }

  if (form && input) {
    var lastTyping = 0;
    document.getElementById("composer-hint").hidden = false;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      send();
    });
    input.addEventListener("keydown", function (event) {
      if (
        event.key === "Enter" &&
        !event.shiftKey &&
        !event.altKey &&
        !event.ctrlKey &&
        !event.metaKey &&
        !event.isComposing
      ) {
        event.preventDefault();
        send();
      }
    });
    input.addEventListener("input", function () {
      resizeInput();
      var now = Date.now();
      if (input.value.trim() && socket.connected && now - lastTyping > TYPING_EVERY_MS) {
        lastTyping = now;
        socket.emit("typing", { conversation_id: conversationId });
      }
    });
  }

  /* Open at the newest message, or at the one the address names (after reporting it). */
  refresh();
  var target = window.location.hash ? document.getElementById(window.location.hash.slice(1)) : null;
  if (target && list.contains(target)) {
    window.scrollTo(0, 0);
    scroller.scrollTop = target.offsetTop - scroller.clientHeight / 2;
  } else {
    scrollToBottom();
  }
})();
