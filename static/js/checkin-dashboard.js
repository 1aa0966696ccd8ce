/* The check-in dashboard, live: joins the event's check-in room over the page's
 * Socket.IO connection ("checkin_watch", permission-checked on the server) and reloads
 * the numbers from dashboard.json whenever a check-in, check-out or attendance is
 * recorded; without a socket it polls every 30 seconds. The page shows the numbers of
 * its load without this script.
 */
(function () {
  "use strict";

  var root = document.getElementById("checkin-dashboard");
  if (!root || !window.fetch) {
    return;
  }
  var cfg = root.dataset;
  var POLL = 30000;
  var live = root.querySelector("[data-live]");
  var pending = null;
  var pollTimer = null;

  function label(name, values) {
    var text = cfg["label" + name.charAt(0).toUpperCase() + name.slice(1)] || "";
    Object.keys(values || {}).forEach(function (key) {
      text = text.split("{" + key + "}").join(String(values[key]));
    });
    return text;
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined) {
      node.textContent = String(text);
    }
    return node;
  }

  function meter(value, max) {
    var bar = el("progress", "w-100 checkin-meter", value);
    bar.value = value;
    bar.max = Math.max(max, 1);
    return bar;
  }

  function rows(name, items, build) {
    var body = root.querySelector('[data-rows="' + name + '"]');
    body.textContent = "";
    items.forEach(function (item) {
      body.appendChild(build(item));
    });
    var empty = root.querySelector('[data-empty="' + name + '"]');
    if (empty) {
      empty.hidden = items.length > 0;
    }
  }

  function bars(items) {
    var box = root.querySelector("[data-bars]");
    var table = root.querySelector("[data-bars-table]");
    box.textContent = "";
    var most = Math.max.apply(null, items.map(function (b) { return b.count; }).concat([1]));
    items.forEach(function (b) {
      var bar = el("div", "checkin-bar");
      bar.style.height = Math.round((b.count / most) * 100) + "%";
      bar.title = b.at + ": " + b.count;
      bar.appendChild(el("span", "checkin-bar-label", b.at));
      box.appendChild(bar);
    });
    box.hidden = items.length === 0;
    table.classList.toggle("visually-hidden", items.length > 0);
  }

  function show(data) {
    ["checked_in", "registered", "inside"].forEach(function (key) {
      root.querySelector('[data-stat="' + key + '"]').textContent = String(data[key]);
    });
    rows("by_ticket_type", data.by_ticket_type, function (row) {
      var tr = el("tr");
      tr.append(
        el("td", "text-break", row.ticket_type),
        el("td", "text-end tabular-nums text-nowrap", label("of", { count: row.checked_in, total: row.registered }))
      );
      var cell = el("td");
      cell.appendChild(meter(row.checked_in, row.registered));
      tr.appendChild(cell);
      return tr;
    });
    rows("over_time", data.over_time, function (b) {
      var tr = el("tr");
      tr.append(el("td", "", b.at), el("td", "text-end tabular-nums", b.count));
      return tr;
    });
    bars(data.over_time);
    rows("sessions", data.sessions, function (s) {
      var tr = el("tr");
      var title = el("td", "text-break");
      title.append(el("span", "text-body-secondary small me-1", s.starts), document.createTextNode(s.title));
      var share = el("td");
      if (s.capacity) {
        share.appendChild(meter(s.attended, s.capacity));
      }
      tr.append(
        title,
        el("td", "text-break", s.room),
        el("td", "text-end tabular-nums text-nowrap", s.capacity ? s.attended + " / " + s.capacity : s.attended),
        share
      );
      return tr;
    });
    rows("recent", data.recent, function (r) {
      var li = el("li", "d-flex justify-content-between gap-2 py-1 border-bottom");
      li.append(el("span", "text-break", r.name), el("span", "text-body-secondary tabular-nums", r.at));
      return li;
    });
  }

  function reload() {
    return fetch(cfg.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(show)
      .catch(function () {
        live.textContent = label("error");
      });
  }

  /* Many scans in a burst make one reload. */
  function soon() {
    if (!pending) {
      pending = window.setTimeout(function () {
        pending = null;
        reload();
      }, 400);
    }
  }

  function poll() {
    window.clearTimeout(pollTimer);
    pollTimer = window.setTimeout(function () {
      reload().then(poll);
    }, POLL);
    live.textContent = label("polling");
  }

  var realtime = window.ConferenceRealtime;
  if (!realtime) {
    poll();
    reload();
    return;
  }
  var socket = realtime.socket;

  function watch() {
    socket.emit("checkin_watch", { event_id: Number(cfg.eventId) }, function (answer) {
      if (answer && answer.ok) {
        window.clearTimeout(pollTimer);
        live.textContent = label("live");
        root.setAttribute("data-watching", "true");
        reload();
      } else {
        poll();
      }
    });
  }

  socket.on("checkin_changed", soon);
  socket.on("connect", watch);
  socket.on("disconnect", function () {
    root.removeAttribute("data-watching");
    poll();
  });
  bars(Array.prototype.map.call(root.querySelectorAll('[data-rows="over_time"] tr'), function (tr) {
    return { at: tr.cells[0].textContent, count: Number(tr.cells[1].textContent) };
  }));
  if (socket.connected) {
    watch();
  }
})();
