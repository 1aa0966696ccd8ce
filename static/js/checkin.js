/* The check-in scanner: camera (BarcodeDetector where the browser has it, else the
 * vendored jsQR on a canvas), a photo of a badge, a typed code, or a name search;
 * the answer fills the screen in green or red, with a beep and a vibration.
 *
 * Offline by itself: when the network fails (or the server answers 5xx, or the
 * browser says it is offline), the page answers from the list it last downloaded
 * (snapshot.json, kept in IndexedDB since it outgrows localStorage at large events),
 * queues the scans in localStorage, and sends them to /sync once requests work
 * again, then shows what the server decided differently. Nobody switches a mode.
 *
 * Any other failure (the session ended, the CSRF token is refused, a redirect to the
 * login page, something that is not our JSON) is not "offline": the page says it must
 * be reloaded, keeps the queue, and sends nothing until it is.
 *
 * Without this script the page still works: the code form and the name search post
 * and answer with a page. Everything it needs comes from data- attributes of #checkin;
 * the camera is static/js/qr-camera.js, loaded before it.
 */
(function () {
  "use strict";

  var root = document.getElementById("checkin");
  if (!root || !window.fetch || !window.localStorage || !window.QrCamera) {
    return;
  }
  var cfg = root.dataset;
  var action = cfg.action;
  var sessionId = cfg.sessionId ? Number(cfg.sessionId) : null;
  var LIST_KEY = "list:" + cfg.slug;
  var FETCHED_KEY = "fetched:" + cfg.slug;
  /* Where earlier versions of this page kept the list; removed to free the space. */
  var OLD_LIST_PREFIX = "checkin-snapshot:";
  var QUEUE_KEY = "checkin-queue:" + cfg.slug + ":" + cfg.userId;
  /* The longest code the server takes (services.checkin.PAYLOAD_MAX); a longer QR code
   * (a Wi-Fi code, a web address) is no badge. */
  var PAYLOAD_MAX = 200;
  var SNAPSHOT_EVERY = 60000;
  var RETRY_EVERY = 10000;
  var STORE_OPEN_WAIT = 3000;

  var online = navigator.onLine !== false;
  /* True once the server answered in a way only a reload can fix. */
  var stale = false;
  /* True once the server refused the queue itself: not resent until a reload. */
  var syncRefused = false;
  var busy = false;
  var overlayTimer = null;

  var $ = function (selector, scope) {
    return (scope || document).querySelector(selector);
  };

  function label(name, values) {
    var text = cfg["label" + name.replace(/(^|-)(\w)/g, function (_m, _s, c) {
      return c.toUpperCase();
    })] || "";
    Object.keys(values || {}).forEach(function (key) {
      text = text.split("{" + key + "}").join(String(values[key]));
    });
    return text;
  }

  function newScanId() {
    if (window.crypto && window.crypto.randomUUID) {
      return window.crypto.randomUUID().replace(/-/g, "");
    }
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  /* A moment as a time of day in the event's zone ("9:12 AM"), as the server writes it. */
  var clockFormat = (function () {
    var locale = (document.documentElement.lang || "").replace("_", "-") || undefined;
    var options = { hour: "numeric", minute: "2-digit" };
    try {
      return new Intl.DateTimeFormat(locale, Object.assign({ timeZone: cfg.timeZone || undefined }, options));
    } catch (e) {
      return new Intl.DateTimeFormat(undefined, options);
    }
  })();

  function eventClock(iso) {
    return clockFormat.format(new Date(iso));
  }

  /* --- the queue, in localStorage ------------------------------------------------------ */

  var storageWarning = $("[data-storage-warning]");

  function loadQueue() {
    try {
      var value = JSON.parse(window.localStorage.getItem(QUEUE_KEY));
      return Array.isArray(value) ? value : [];
    } catch (e) {
      return [];
    }
  }

  function dropOldLists() {
    for (var i = window.localStorage.length - 1; i >= 0; i--) {
      var key = window.localStorage.key(i);
      if (key && key.indexOf(OLD_LIST_PREFIX) === 0) {
        window.localStorage.removeItem(key);
      }
    }
  }

  /* The queue comes first: if it does not fit, the lists an earlier version of this page
   * left in localStorage make room; if it still does not fit, the page says so, since
   * the scans then live only as long as the page. */
  function saveQueue() {
    var text = JSON.stringify(queue);
    var saved = false;
    try {
      window.localStorage.setItem(QUEUE_KEY, text);
      saved = true;
    } catch (e) {
      try {
        dropOldLists();
        window.localStorage.setItem(QUEUE_KEY, text);
        saved = true;
      } catch (e2) {
        saved = false;
      }
    }
    storageWarning.hidden = saved;
    return saved;
  }

  var queue = loadQueue();

  /* --- the offline list, in IndexedDB (in memory where there is none) ---------------- */

  var snapshot = null;
  var byRegistration = {};

  function openStore() {
    return new Promise(function (resolve) {
      var request;
      try {
        request = window.indexedDB.open("checkin", 1);
      } catch (e) {
        resolve(null);
        return;
      }
      window.setTimeout(resolve, STORE_OPEN_WAIT, null);
      request.onupgradeneeded = function () {
        request.result.createObjectStore("lists");
      };
      request.onsuccess = function () {
        resolve(request.result);
      };
      request.onerror = function () {
        resolve(null);
      };
    });
  }

  var store = window.indexedDB ? openStore() : Promise.resolve(null);

  /* Run ``work(objectStore)`` in one transaction: its request's result, or null when
   * there is no IndexedDB or it failed (the list then lives in memory only). */
  function stored(mode, work) {
    return store.then(function (database) {
      if (!database) {
        return null;
      }
      return new Promise(function (resolve, reject) {
        var transaction = database.transaction("lists", mode);
        var request = work(transaction.objectStore("lists"));
        transaction.oncomplete = function () {
          resolve(request.result === undefined ? null : request.result);
        };
        transaction.onerror = transaction.onabort = function () {
          reject(transaction.error);
        };
      });
    }).catch(function () {
      return null;
    });
  }

  function readStored(key) {
    return stored("readonly", function (s) { return s.get(key); });
  }

  function writeStored(key, value) {
    return stored("readwrite", function (s) { return s.put(value, key); });
  }

  /* The device's own offline answers not yet sent, applied to a list. */
  function replayQueue() {
    queue.forEach(function (q) {
      var entry = q.offline_outcome === "ok" ? byRegistration[q.registration_id_seen] : null;
      if (!entry) {
        return;
      }
      if (q.action === "check_in") {
        markInside(entry, q.scanned_at);
      } else if (q.action === "check_out") {
        entry.inside = false;
      }
    });
  }

  function markInside(entry, at) {
    if (!entry.checked_in_at) {
      entry.checked_in_at = at;
      entry.checked_in_clock = eventClock(at);
    }
    entry.inside = true;
  }

  function useSnapshot(data, fetchedAt) {
    data.fetched_at = fetchedAt || data.fetched_at || data.generated_at;
    snapshot = data;
    byRegistration = {};
    Object.keys(data.codes).forEach(function (code) {
      byRegistration[data.codes[code].registration_id] = data.codes[code];
    });
    replayQueue();
  }

  function loadSnapshot() {
    var oldList = null;
    try {
      oldList = JSON.parse(window.localStorage.getItem(OLD_LIST_PREFIX + cfg.slug));
      dropOldLists();
    } catch (e) {
      oldList = null;
    }
    return Promise.all([readStored(LIST_KEY), readStored(FETCHED_KEY)]).then(function (found) {
      if (found[0]) {
        try {
          useSnapshot(JSON.parse(found[0]), found[1]);
          return;
        } catch (e) {
          snapshot = null;
        }
      }
      if (oldList && oldList.codes) {
        writeStored(LIST_KEY, JSON.stringify(oldList));
        useSnapshot(oldList, oldList.fetched_at);
      }
    });
  }

  function token(text) {
    var value = String(text || "").trim().toUpperCase();
    return value.indexOf("B1:") === 0 ? value.slice(3) : value;
  }

  /* --- talking to the server --------------------------------------------------------- */

  /* A failed request: ``kind`` "offline" (no network, or the server is down: answer
   * from the list and retry) or "stale" (only a reload helps). */
  function failure(kind, detail) {
    var error = new Error(detail);
    error.kind = kind;
    return error;
  }

  /* ``fetch`` that follows no redirect and sorts failures into "offline" and "stale";
   * resolves with the response when it is our JSON (or a 304). ``refusalOk``: a 4xx
   * JSON refusal ({"ok": false, ...}) is an answer for the caller, not a failure. */
  function request(url, options, refusalOk) {
    var init = Object.assign({ credentials: "same-origin", redirect: "manual" }, options);
    init.headers = Object.assign({ Accept: "application/json" }, options.headers);
    return fetch(url, init).then(function (response) {
      var status = response.status;
      if (response.type === "opaqueredirect" || response.redirected || (status >= 300 && status < 400 && status !== 304)) {
        throw failure("stale", "redirected");
      }
      if (status === 0 || status >= 500) {
        throw failure("offline", "server " + status);
      }
      if (status === 401 || status === 403 || (status >= 400 && !refusalOk)) {
        throw failure("stale", "refused " + status);
      }
      if (status === 304) {
        return response;
      }
      if ((response.headers.get("Content-Type") || "").indexOf("application/json") === -1) {
        throw failure("stale", "not JSON");
      }
      return response;
    }, function (error) {
      throw failure("offline", String(error));
    });
  }

  /* The body parsed; a body that is not JSON means the page talks to something else. */
  function parsed(text) {
    try {
      return JSON.parse(text);
    } catch (e) {
      throw failure("stale", "bad JSON");
    }
  }

  function readJson(response) {
    return response.text().then(parsed, function (error) {
      throw failure("offline", String(error));
    });
  }

  function post(url, body) {
    return request(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": cfg.csrf },
      body: JSON.stringify(body),
    }, true).then(function (response) {
      return readJson(response).then(function (data) {
        data.httpStatus = response.status;
        return data;
      });
    });
  }

  function refreshSnapshot() {
    var headers = {};
    if (snapshot && snapshot.version) {
      headers["If-None-Match"] = '"' + snapshot.version + '"';
    }
    return request(cfg.snapshotUrl, { headers: headers }).then(function (response) {
      var now = new Date().toISOString();
      if (response.status === 304 && snapshot) {
        snapshot.fetched_at = now;
        writeStored(FETCHED_KEY, now);
        return null;
      }
      return response.text().then(function (text) {
        useSnapshot(parsed(text), now);
        writeStored(LIST_KEY, text);
        writeStored(FETCHED_KEY, now);
      }, function (error) {
        throw failure("offline", String(error));
      });
    });
  }

  /* --- online / offline / reload ---------------------------------------------------------- */

  var connection = $("[data-connection]");
  var staleBox = $("[data-stale]");

  function showConnection() {
    if (stale) {
      connection.hidden = true;
      $("[data-stale-queued]", staleBox).textContent = queue.length ? label("queued", { num: queue.length }) : "";
      return;
    }
    var parts = [];
    if (online) {
      parts.push(label("online"));
      connection.className = "checkin-connection small mb-3 is-online";
    } else if (snapshot) {
      parts.push(label("offline", { time: eventClock(snapshot.fetched_at || snapshot.generated_at) }));
      connection.className = "checkin-connection small mb-3 is-offline";
    } else {
      parts.push(label("no-list"));
      connection.className = "checkin-connection small mb-3 is-offline";
    }
    if (queue.length) {
      parts.push(label("queued", { num: queue.length }));
    }
    connection.textContent = parts.join(" ");
    connection.hidden = false;
  }

  function goOffline() {
    if (online && !stale) {
      online = false;
      showConnection();
    }
  }

  /* The page can no longer talk to the server: say so once, keep the queue, stop trying. */
  function goStale() {
    if (!stale) {
      stale = true;
      staleBox.hidden = false;
      showConnection();
    }
  }

  function failed(error) {
    if (error && error.kind === "stale") {
      goStale();
    } else {
      goOffline();
    }
  }

  function goOnline() {
    if (stale) {
      return Promise.resolve();
    }
    if (!online) {
      online = true;
      showConnection();
    }
    return syncQueue().then(refreshSnapshot).catch(failed).then(showConnection);
  }

  /* Try the server again: the queue first, then a fresh list. */
  function heartbeat() {
    if (stale) {
      return;
    }
    if (navigator.onLine === false) {
      goOffline();
      return;
    }
    if (!online || (queue.length && !syncRefused)) {
      goOnline();
    }
  }

  $("[data-stale-reload]", staleBox).addEventListener("click", function () {
    window.location.reload();
  });

  /* --- the answer on screen --------------------------------------------------------------- */

  var overlay = $("[data-overlay]");
  var audio = null;

  function beep(green) {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var osc = audio.createOscillator();
      var gain = audio.createGain();
      osc.type = green ? "sine" : "square";
      osc.frequency.value = green ? 880 : 220;
      gain.gain.value = 0.15;
      osc.connect(gain);
      gain.connect(audio.destination);
      osc.start();
      osc.stop(audio.currentTime + (green ? 0.15 : 0.5));
    } catch (e) {
      /* No sound on this device. */
    }
    if (navigator.vibrate) {
      navigator.vibrate(green ? 80 : [200, 100, 200]);
    }
  }

  function hideOverlay() {
    overlay.hidden = true;
    document.body.classList.remove("scan-overlay-open");
    window.clearTimeout(overlayTimer);
    busy = false;
  }

  /* ``answer``: {green, message, person: {name, ticket_type, company, note}, offline,
   * attendance, capacity, hint (the line under it; "tap for the next badge" unless given)}. */
  function show(answer) {
    var person = answer.person || {};
    overlay.classList.toggle("is-green", !!answer.green);
    overlay.classList.toggle("is-red", !answer.green);
    $("[data-overlay-mark]", overlay).textContent = answer.green ? "\u2713" : "\u2715";
    $("[data-overlay-name]", overlay).textContent = person.name || "";
    $("[data-overlay-message]", overlay).textContent = answer.message;
    var detail = [person.ticket_type, person.company].filter(Boolean).join(" \u00b7 ");
    if (answer.attendance !== null && answer.attendance !== undefined) {
      detail = [detail, answer.capacity
        ? label("seats", { count: answer.attendance, capacity: answer.capacity })
        : label("people", { count: answer.attendance })].filter(Boolean).join(" \u00b7 ");
    }
    $("[data-overlay-detail]", overlay).textContent = detail;
    $("[data-overlay-note]", overlay).textContent = person.note || "";
    var offline = $("[data-overlay-offline]", overlay);
    offline.hidden = !answer.offline;
    offline.textContent = label("decided-offline");
    $("[data-overlay-hint]", overlay).textContent = answer.hint === undefined ? label("tap") : answer.hint;
    overlay.hidden = false;
    document.body.classList.add("scan-overlay-open");
    overlay.focus();
    beep(answer.green);
    window.clearTimeout(overlayTimer);
    overlayTimer = window.setTimeout(hideOverlay, answer.green ? 2500 : 5000);
  }

  overlay.addEventListener("click", hideOverlay);
  document.addEventListener("keydown", function (e) {
    if (!overlay.hidden && (e.key === "Escape" || e.key === "Enter" || e.key === " ")) {
      e.preventDefault();
      hideOverlay();
    }
  });


  /* --- deciding offline ------------------------------------------------------------------ */

  function attendedOffline(registrationId) {
    return queue.some(function (q) {
      return q.action === "attend" && q.session_id === sessionId &&
        q.registration_id_seen === registrationId && q.offline_outcome === "ok";
    });
  }

  /* When ``entry`` was checked in, in the event's zone: as the server wrote it in the
   * list (``checked_in_clock``), else from its ``checked_in_at``. */
  function checkedInClock(entry) {
    return entry.checked_in_clock || eventClock(entry.checked_in_at);
  }

  /* What the device says for ``entry`` (from the list) or ``tok`` (a code) offline, and
   * the list updated as if the server had agreed. */
  function decideOffline(entry, tok) {
    if (!entry) {
      if (snapshot && snapshot.revoked.indexOf(tok) !== -1) {
        return { outcome: "revoked", message: label("revoked") };
      }
      return { outcome: "unknown", message: label("unknown") };
    }
    if (entry.status === "cancelled") {
      return { outcome: "cancelled", message: label("cancelled") };
    }
    if (entry.status !== "approved") {
      return { outcome: "not_approved", message: label("not_approved") };
    }
    if (action === "check_out") {
      if (!entry.inside) {
        return { outcome: "not_inside", message: label("not_inside") };
      }
      entry.inside = false;
      return { outcome: "ok", message: label("ok-check_out") };
    }
    if (action === "attend") {
      if (attendedOffline(entry.registration_id)) {
        return { outcome: "already", message: label("already-attend") };
      }
      return { outcome: "ok", message: label("ok-attend") };
    }
    if (entry.inside) {
      return { outcome: "already", message: label("already", { time: checkedInClock(entry) }) };
    }
    markInside(entry, new Date().toISOString());
    return { outcome: "ok", message: label("ok-check_in") };
  }

  function entryById(registrationId) {
    return byRegistration[registrationId] || null;
  }

  function queueScan(item, entry) {
    var decided = decideOffline(entry, token(item.payload));
    item.offline_outcome = decided.outcome;
    item.scanned_at = new Date().toISOString();
    item.registration_id_seen = entry ? entry.registration_id : null;
    queue.push(item);
    saveQueue();
    showConnection();
    show({
      green: decided.outcome === "ok",
      message: decided.message,
      person: entry ? { name: entry.name, ticket_type: entry.ticket_type, company: entry.company, note: entry.note } : {},
      offline: true,
    });
  }

  /* --- sending a scan ----------------------------------------------------------------------- */

  function showStale() {
    show({ green: false, message: label("stale"), person: {}, hint: "" });
  }

  function send(url, body, offlineEntry) {
    body.action = action;
    if (sessionId) {
      body.session_id = sessionId;
    }
    body.client_scan_id = newScanId();
    if (stale) {
      showStale();
      return;
    }
    if (!online || navigator.onLine === false) {
      goOffline();
      queueScan(body, offlineEntry());
      return;
    }
    post(url, body).then(function (data) {
      if (!data.ok) {
        show({ green: false, message: data.message || label("error"), person: {} });
        return;
      }
      show(data);
    }, function (error) {
      failed(error);
      if (stale) {
        showStale();
      } else {
        queueScan(body, offlineEntry());
      }
    });
  }

  function handleCode(text) {
    if (busy || !text) {
      return;
    }
    busy = true;
    if (Array.from(text).length > PAYLOAD_MAX) {
      show({ green: false, message: label("not-badge"), person: {} });
      return;
    }
    send(cfg.scanUrl, { payload: text }, function () {
      return snapshot ? snapshot.codes[token(text)] || null : null;
    });
  }

  function handlePick(registrationId) {
    busy = true;
    send(cfg.pickUrl, { registration_id: registrationId }, function () {
      return entryById(registrationId);
    });
  }

  /* --- the offline queue ------------------------------------------------------------------ */

  var report = $("[data-sync-report]");

  function showReport(answers) {
    report.textContent = "";
    var head = document.createElement("p");
    head.className = "mb-1";
    head.textContent = label("synced", { num: answers.length });
    report.appendChild(head);
    var differing = answers.filter(function (a) { return a.differs; });
    if (differing.length) {
      var intro = document.createElement("p");
      intro.className = "mb-1 fw-semibold";
      intro.textContent = label("corrections");
      var list = document.createElement("ul");
      list.className = "mb-0";
      differing.forEach(function (a) {
        var li = document.createElement("li");
        li.setAttribute("data-correction", a.outcome);
        var name = (a.person && a.person.name) ? a.person.name + ": " : "";
        var said = {
          ok: label("ok-" + a.action),
          already: label(a.action === "attend" ? "already-attend" : "already-short"),
        }[a.offline_outcome] || label(a.offline_outcome) || a.offline_outcome;
        li.textContent = name + a.message + " (" + label("offline-said", { outcome: said }) + ")";
        list.appendChild(li);
      });
      report.append(intro, list);
    }
    report.className = "checkin-sync alert " + (differing.length ? "alert-warning" : "alert-success");
    report.hidden = false;
  }

  /* The server refused the queue as a whole (not one of its scans): keep it, say why. */
  function showSyncRefused(message) {
    syncRefused = true;
    report.textContent = label("sync-refused", { message: message || label("error") });
    report.className = "checkin-sync alert alert-danger";
    report.hidden = false;
  }

  var syncing = null;

  function syncQueue() {
    if (!queue.length || syncRefused) {
      return Promise.resolve();
    }
    if (syncing) {
      return syncing;
    }
    var batch = queue.slice(0, 500);
    var body = {
      scans: batch.map(function (q) {
        var item = {
          client_scan_id: q.client_scan_id,
          action: q.action,
          scanned_at: q.scanned_at,
          offline_outcome: q.offline_outcome,
        };
        if (q.payload) { item.payload = q.payload; }
        if (q.registration_id) { item.registration_id = q.registration_id; }
        if (q.session_id) { item.session_id = q.session_id; }
        return item;
      }),
    };
    syncing = post(cfg.syncUrl, body)
      .then(function (data) {
        if (!data.ok) {
          showSyncRefused(data.message);
          return;
        }
        var done = {};
        batch.forEach(function (q) { done[q.client_scan_id] = true; });
        /* Scans queued meanwhile (by this page, or another of the same person's) stay. */
        var mine = {};
        queue.forEach(function (q) { mine[q.client_scan_id] = true; });
        queue = queue.concat(loadQueue().filter(function (q) { return !mine[q.client_scan_id]; }))
          .filter(function (q) { return !done[q.client_scan_id]; });
        saveQueue();
        showReport(data.answers);
      })
      .finally(function () {
        syncing = null;
      });
    return syncing;
  }

  /* --- camera and photo decoding (static/js/qr-camera.js) ------------------------------- */

  window.QrCamera.attach(root, {
    isBusy: function () { return busy; },
    onCode: handleCode,
    labels: { cameraError: label("camera-error"), noCode: label("no-code") },
  });

  /* --- typed code and name search ------------------------------------------------------- */

  var codeForm = $("[data-code-form]");
  var codeInput = codeForm.querySelector("input[name=code]");
  /* The script checks the length itself: a hand scanner typing a long QR code that is no
   * badge gets "not a badge" instead of the browser cutting the text short. */
  codeInput.removeAttribute("maxlength");
  codeForm.addEventListener("submit", function (e) {
    e.preventDefault();
    handleCode(codeInput.value);
    codeInput.value = "";
  });

  var searchForm = $("[data-search-form]");
  var searchInput = searchForm.querySelector("input[name=q]");
  var results = $("[data-results]");
  var searchTimer = null;

  function personItem(p) {
    var li = document.createElement("li");
    li.className = "checkin-person";
    var info = document.createElement("div");
    info.className = "min-w-0";
    var name = document.createElement("div");
    name.className = "fw-semibold text-break";
    name.textContent = p.name;
    var sub = document.createElement("div");
    sub.className = "small text-body-secondary text-break";
    sub.textContent = [p.company, p.ticket_type].filter(Boolean).join(" \u00b7 ");
    var state = document.createElement("div");
    state.className = "small";
    if (p.status && p.status !== "approved") {
      var red = document.createElement("span");
      red.className = "badge text-bg-danger";
      red.textContent = p.status_label;
      state.appendChild(red);
    }
    if (p.inside) {
      var inside = document.createElement("span");
      inside.className = "badge text-bg-success";
      inside.textContent = label("inside");
      state.appendChild(inside);
    }
    info.append(name, sub, state);
    var actions = document.createElement("div");
    actions.className = "d-flex flex-column gap-1";
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-primary btn-sm";
    button.textContent = document.querySelector("label[for='mode-" + action + "']").textContent;
    button.addEventListener("click", function () {
      handlePick(p.registration_id);
    });
    actions.appendChild(button);
    if (online && !stale && p.status === "approved") {
      var print = document.createElement("a");
      print.className = "btn btn-outline-secondary btn-sm";
      print.href = cfg.printUrl.replace(/0\.pdf$/, p.registration_id + ".pdf");
      print.target = "_blank";
      print.rel = "noopener";
      print.textContent = label("print");
      actions.appendChild(print);
    }
    li.append(info, actions);
    return li;
  }

  function showResults(people, query) {
    results.textContent = "";
    people.forEach(function (p) { results.appendChild(personItem(p)); });
    if (!people.length && query) {
      var none = document.createElement("li");
      none.className = "text-body-secondary";
      none.textContent = label("no-results");
      results.appendChild(none);
    }
  }

  function searchOffline(query) {
    var needle = query.normalize("NFKC").toLowerCase();
    var codes = snapshot ? snapshot.codes : {};
    var people = Object.keys(codes).map(function (k) { return codes[k]; }).filter(function (p) {
      return (p.name + " " + p.company).normalize("NFKC").toLowerCase().indexOf(needle) !== -1;
    });
    return people.slice(0, 20);
  }

  function search() {
    var query = searchInput.value.trim();
    if (!query) {
      showResults([], "");
      return;
    }
    if (!online || stale) {
      showResults(searchOffline(query), query);
      return;
    }
    request(cfg.searchUrl + "?q=" + encodeURIComponent(query), {})
      .then(readJson)
      .then(function (data) {
        if (searchInput.value.trim() === query) {
          showResults(data.results, query);
        }
      }, function (error) {
        failed(error);
        showResults(searchOffline(query), query);
      });
  }

  searchForm.addEventListener("submit", function (e) {
    e.preventDefault();
    search();
  });
  searchInput.addEventListener("input", function () {
    window.clearTimeout(searchTimer);
    searchTimer = window.setTimeout(search, 250);
  });

  /* --- the mode ------------------------------------------------------------------------------ */

  var modeForm = $("[data-mode-form]");
  var sessionSelect = $("[data-session-select]");
  function showSessionChoice() {
    var chosen = modeForm.querySelector("input[name=action]:checked");
    sessionSelect.hidden = !(chosen && chosen.value === "attend");
  }
  modeForm.addEventListener("change", function (e) {
    showSessionChoice();
    var chosen = modeForm.querySelector("input[name=action]:checked");
    if (chosen.value !== "attend" || (e.target === sessionSelect && sessionSelect.value)) {
      modeForm.submit();
    }
  });
  showSessionChoice();
  $("[data-mode-apply]").hidden = true;

  /* --- start ---------------------------------------------------------------------------------- */

  window.addEventListener("online", goOnline);
  window.addEventListener("offline", goOffline);
  window.setInterval(heartbeat, RETRY_EVERY);
  window.setInterval(function () {
    if (online && !stale) {
      refreshSnapshot().catch(failed).then(showConnection);
    }
  }, SNAPSHOT_EVERY);
  var serverResult = document.querySelector("[data-server-result]");
  if (serverResult) {
    beep(serverResult.classList.contains("is-green"));
  }
  loadSnapshot().then(function () {
    if (online) {
      goOnline();
    } else {
      showConnection();
    }
  });
})();
