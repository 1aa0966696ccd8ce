/* Notifications on every page for signed-in people, and the live notification centre.
 *
 * Keeps the bell's unread count of the navigation current ("notification" and
 * "notifications_read" socket events, through realtime.js's connection), shows a small
 * toast for news that realtime.js does not already announce (messages and meetings
 * have their own), and on the first page of /me/notifications puts new and updated
 * notifications at the top and marks rows read as they are read elsewhere. "Mark read"
 * and "Mark all read" post without reloading; without this script they are plain forms.
 */
(function () {
  "use strict";

  var realtime = window.ConferenceRealtime;
  var config = document.getElementById("realtime");
  var centre = document.getElementById("notification-centre");
  var OWN_TOASTS = { message: true, meeting: true };

  function setCount(total) {
    var count = Number(total) || 0;
    document.querySelectorAll("[data-notifications-badge]").forEach(function (badge) {
      badge.hidden = count <= 0;
      var number = badge.querySelector("[data-notifications-count]");
      if (number) {
        number.textContent = count > 99 ? "99+" : String(count);
      }
    });
    var readAll = document.querySelector("[data-read-all]");
    if (readAll) {
      readAll.hidden = count <= 0;
    }
  }

  function toast(payload) {
    var container = document.getElementById("message-toasts");
    if (!container || !window.bootstrap || centre) {
      return;
    }
    var box = document.createElement("div");
    box.className = "toast message-toast";
    box.setAttribute("role", "status");
    box.setAttribute("aria-live", "polite");
    var header = document.createElement("div");
    header.className = "toast-header";
    var title = document.createElement("strong");
    title.className = "me-auto";
    title.textContent = config ? config.dataset.labelNotification : "";
    var close = document.createElement("button");
    close.type = "button";
    close.className = "btn-close";
    close.setAttribute("data-bs-dismiss", "toast");
    close.setAttribute("aria-label", config ? config.dataset.labelClose : "Close");
    header.appendChild(title);
    header.appendChild(close);
    var body = document.createElement("a");
    body.className = "toast-body d-block text-reset text-decoration-none";
    body.href = config ? config.dataset.notificationsUrl : "/me/notifications";
    body.textContent = payload.text;
    box.appendChild(header);
    box.appendChild(body);
    container.appendChild(box);
    box.addEventListener("hidden.bs.toast", function () {
      box.remove();
    });
    new window.bootstrap.Toast(box, { delay: 6000 }).show();
  }

  function markRow(row) {
    row.classList.remove("is-unread");
    var form = row.querySelector("[data-mark-read]");
    if (form) {
      form.hidden = true;
    }
    var label = row.querySelector("[data-unread-label]");
    if (label) {
      label.remove();
    }
  }

  function withId(url, id) {
    return url.replace("/0/", "/" + id + "/");
  }

  function newRow(payload) {
    var template = centre.querySelector('template[data-row-template="' + payload.kind + '"]');
    if (!template) {
      return null;
    }
    var row = template.content.firstElementChild.cloneNode(true);
    row.dataset.notification = String(payload.id);
    row.querySelectorAll("form").forEach(function (form) {
      form.action = withId(form.getAttribute("action"), payload.id);
    });
    return row;
  }

  function showRow(payload) {
    var list = centre.querySelector("[data-notification-list]");
    if (!list || !centre.dataset.firstPage) {
      return;
    }
    var row = list.querySelector('[data-notification="' + payload.id + '"]');
    if (row) {
      row.remove();
      row.classList.add("is-unread");
      var form = row.querySelector("[data-mark-read]");
      if (form) {
        form.hidden = false;
      }
    } else {
      row = newRow(payload);
      if (!row) {
        return;
      }
    }
    row.querySelector("[data-notification-text]").textContent = payload.text;
    var count = row.querySelector("[data-notification-count]");
    count.textContent = String(payload.count);
    count.hidden = payload.count <= 1;
    var when = row.querySelector("[data-notification-when]");
    if (when) {
      when.textContent = centre.dataset.labelNow;
    }
    list.insertBefore(row, list.firstChild);
    var card = centre.querySelector("[data-notification-card]");
    if (card) {
      card.hidden = false;
    }
    var empty = centre.querySelector("[data-notification-empty]");
    if (empty) {
      empty.remove();
    }
  }

  function rowsRead(payload) {
    if (!centre) {
      return;
    }
    centre.querySelectorAll("[data-notification]").forEach(function (row) {
      if (payload.all || (payload.ids || []).indexOf(Number(row.dataset.notification)) !== -1) {
        markRow(row);
      }
    });
  }

  function post(form) {
    return fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (!response.ok || type.indexOf("application/json") === -1) {
        throw new Error("fallback");
      }
      return response.json();
    });
  }

  if (centre && window.fetch) {
    centre.addEventListener("submit", function (event) {
      var form = event.target;
      if (!form.hasAttribute("data-mark-read")) {
        return;
      }
      event.preventDefault();
      post(form)
        .then(function (answer) {
          markRow(form.closest("[data-notification]"));
          setCount(answer.unread);
        })
        .catch(function () {
          form.submit();
        });
    });
    var readAll = document.querySelector("[data-read-all]");
    if (readAll) {
      readAll.addEventListener("submit", function (event) {
        event.preventDefault();
        post(readAll)
          .then(function (answer) {
            rowsRead({ all: true });
            setCount(answer.unread);
          })
          .catch(function () {
            readAll.submit();
          });
      });
    }
  }

  if (!realtime || !realtime.socket) {
    return;
  }
  realtime.socket.on("notification", function (payload) {
    setCount(payload.unread);
    if (centre) {
      showRow(payload);
    } else if (!OWN_TOASTS[payload.kind]) {
      toast(payload);
    }
  });
  realtime.socket.on("notifications_read", function (payload) {
    setCount(payload.unread);
    rowsRead(payload);
  });
})();
