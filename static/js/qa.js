/* Live Q&A of a session: the box on the session page (#qa) and the presenter view
 * (#qa-present).
 *
 * Both join the session's Q&A over the page's Socket.IO connection ("qa_join"; the
 * server picks the room from the person's rights) and catch up from the permission-
 * checked questions URL on every (re)connect. Questions arrive as "qa_question"
 * (new or changed), "qa_removed" (hidden from participants) and "qa_votes". On the
 * session page, asking, voting and the speakers' and moderators' buttons are plain
 * forms that work without this script; with it they go over the socket instead and
 * the list updates in place. Only pages of those who see held and hidden questions
 * (data-authors, the event's moderators and organizers) keep them; a speaker who hides
 * a question sees it go, as participants do. Everything shown is set with textContent.
 */
(function () {
  "use strict";

  var realtime = window.ConferenceRealtime;
  var box = document.getElementById("qa");
  var present = document.getElementById("qa-present");
  var root = box && box.hasAttribute("data-qa") ? box : present;
  if (!root || !realtime) {
    return;
  }
  var socket = realtime.socket;
  var sessionId = Number(root.dataset.sessionId);
  var isPresent = root === present;
  var list = root.querySelector(isPresent ? "[data-present-list]" : "[data-qa-list]");
  var template = root.querySelector(isPresent ? "[data-present-template]" : "[data-qa-template]");
  var empty = root.querySelector(isPresent ? "[data-present-empty]" : "[data-qa-empty]");
  var sort = root.dataset.sort || "votes";
  var limit = Number(root.dataset.limit) || 0;
  var authors = root.dataset.authors === "1";
  /* What the client knows of each question: the payload plus "voted" and "mine". */
  var known = {};

  function item(id) {
    return list.querySelector('[data-question-id="' + id + '"]');
  }

  function show(node, on) {
    if (node) {
      node.hidden = !on;
    }
  }

  function setSwitch(form, on, labelOn, labelOff) {
    if (!form) {
      return;
    }
    form.querySelector("[data-q-on]").value = on ? "0" : "1";
    var button = form.querySelector("[data-q-switch]");
    if (button) {
      button.textContent = on ? button.dataset.labelOff : button.dataset.labelOn;
    }
  }

  /* Point a cloned template's forms and report box at question ``id``. */
  function retarget(node, id) {
    node.querySelectorAll("form[action]").forEach(function (form) {
      form.action = form.getAttribute("action").replace(/\/qa\/0\//, "/qa/" + id + "/");
    });
    node.querySelectorAll('input[name="target_id"]').forEach(function (input) {
      input.value = String(id);
    });
    node.querySelectorAll('[id^="report-question-0"]').forEach(function (field) {
      field.id = "report-question-" + id;
    });
    node.querySelectorAll('label[for="report-question-0"]').forEach(function (label) {
      label.htmlFor = "report-question-" + id;
    });
  }

  function authorOf(q) {
    if (isPresent && q.anonymous) {
      return root.dataset.labelAnonymous;
    }
    return q.author || root.dataset.labelAnonymous;
  }

  function fill(node, q) {
    node.dataset.votes = String(q.vote_count);
    node.dataset.created = q.created_at;
    node.dataset.pinned = q.pinned ? "1" : "0";
    node.dataset.status = q.status;
    node.classList.toggle("qa-pinned", q.pinned);
    node.classList.toggle("qa-answered", q.answered);
    node.classList.toggle("qa-not-visible", q.status !== "visible");
    node.querySelector("[data-q-body]").textContent = q.body;
    node.querySelector("[data-q-votes]").textContent = String(q.vote_count);
    node.querySelector("[data-q-author]").textContent = authorOf(q);
    show(node.querySelector('[data-q-badge="pinned"]'), q.pinned);
    if (isPresent) {
      return;
    }
    show(node.querySelector('[data-q-badge="answered"]'), q.answered);
    show(node.querySelector('[data-q-badge="held"]'), q.status === "held");
    show(node.querySelector('[data-q-badge="hidden"]'), q.status === "hidden");
    show(node.querySelector("[data-q-anonymous]"), q.anonymous && !!q.author);
    show(node.querySelector("[data-q-mine]"), q.mine);
    show(node.querySelector("[data-q-report]"), !q.mine);
    var vote = node.querySelector("[data-q-vote]");
    vote.disabled = q.mine || q.status !== "visible";
    vote.setAttribute("aria-pressed", q.voted ? "true" : "false");
    vote.classList.toggle("btn-primary", !!q.voted);
    vote.classList.toggle("btn-outline-primary", !q.voted);
    node.querySelector('[data-qa-action="vote"] [data-q-on]').value = q.voted ? "0" : "1";
    setSwitch(node.querySelector('[data-qa-action="answered"]'), q.answered);
    setSwitch(node.querySelector('[data-qa-action="pin"]'), q.pinned);
    show(node.querySelector('[data-qa-action="pin"]'), q.status === "visible");
    show(node.querySelector('[data-qa-action="hide"]'), q.status !== "hidden");
    var showForm = node.querySelector('[data-qa-action="show"]');
    if (showForm) {
      show(showForm, q.status !== "visible");
      var button = showForm.querySelector("[data-q-show]");
      button.textContent = q.status === "held" ? button.dataset.labelHeld : button.dataset.labelHidden;
    }
  }

  function before(a, b) {
    if (a.pinned !== b.pinned) {
      return a.pinned ? -1 : 1;
    }
    if (sort === "votes" && a.vote_count !== b.vote_count) {
      return b.vote_count - a.vote_count;
    }
    if (a.created_at !== b.created_at) {
      return a.created_at < b.created_at ? 1 : -1;
    }
    return b.id - a.id;
  }

  /* The presenter shows visible questions not yet answered (the pinned one always). */
  function wanted(q) {
    if (!isPresent) {
      return true;
    }
    return q.status === "visible" && (!q.answered || q.pinned);
  }

  function render() {
    var shown = Object.keys(known)
      .map(function (id) { return known[id]; })
      .filter(wanted)
      .sort(before);
    if (limit) {
      shown = shown.slice(0, limit);
    }
    var keep = {};
    shown.forEach(function (q, index) {
      keep[q.id] = true;
      var node = item(q.id);
      if (!node) {
        node = template.content.firstElementChild.cloneNode(true);
        node.dataset.questionId = String(q.id);
        retarget(node, q.id);
      }
      fill(node, q);
      if (list.children[index] !== node) {
        list.insertBefore(node, list.children[index] || null);
      }
    });
    Array.prototype.slice.call(list.children).forEach(function (node) {
      if (!keep[node.dataset.questionId]) {
        node.remove();
      }
    });
    show(empty, shown.length === 0);
  }

  function remember(q) {
    if (q.session_id !== sessionId) {
      return;
    }
    var old = known[q.id] || {};
    if (!authors && q.status !== "visible" && !(q.mine || old.mine)) {
      delete known[q.id];
      return;
    }
    q.voted = q.voted !== undefined ? q.voted : !!old.voted;
    q.mine = q.mine || !!old.mine;
    if (!q.author && old.author && (q.mine || !q.anonymous)) {
      q.author = old.author;
    }
    known[q.id] = q;
  }

  function catchUp() {
    window
      .fetch(root.dataset.questionsUrl + "?sort=" + encodeURIComponent(sort), {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (!data.ok) {
          return;
        }
        var voted = {};
        data.voted.forEach(function (id) { voted[id] = true; });
        known = {};
        data.questions.forEach(function (q) {
          q.voted = !!voted[q.id];
          remember(q);
        });
        render();
      })
      .catch(function () {});
  }

  function join() {
    socket.emit("qa_join", { session_id: sessionId }, function (answer) {
      if (answer && answer.ok) {
        root.dataset.joined = "1";
        catchUp();
      }
    });
  }

  socket.on("qa_question", function (q) {
    remember(q);
    render();
  });
  socket.on("qa_removed", function (data) {
    if (data.session_id === sessionId && known[data.id]) {
      delete known[data.id];
      render();
    }
  });
  socket.on("qa_votes", function (data) {
    if (data.session_id === sessionId && known[data.id]) {
      known[data.id].vote_count = data.vote_count;
      render();
    }
  });
  socket.on("qa_voted", function (data) {
    if (data.session_id === sessionId && known[data.id]) {
      known[data.id].voted = data.voted;
      render();
    }
  });
  socket.on("connect", join);
  if (socket.connected) {
    join();
  }

  if (isPresent) {
    return;
  }

  var status = root.querySelector("[data-qa-status]");

  function say(text, bad) {
    if (status) {
      status.textContent = text || "";
      status.classList.toggle("text-danger", !!bad);
    }
  }

  var ask = root.querySelector("[data-qa-ask]");
  if (ask) {
    ask.addEventListener("submit", function (e) {
      if (!socket.connected) {
        return;
      }
      e.preventDefault();
      var body = ask.querySelector("[data-qa-body]");
      var payload = {
        session_id: sessionId,
        body: body.value.trim(),
        anonymous: ask.querySelector("[data-qa-anonymous]").checked,
      };
      if (!payload.body) {
        body.focus();
        return;
      }
      var submit = ask.querySelector("[data-qa-submit]");
      submit.disabled = true;
      socket.emit("qa_ask", payload, function (answer) {
        submit.disabled = false;
        if (!answer || !answer.ok) {
          say(answer ? answer.message : "", true);
          return;
        }
        body.value = "";
        say("");
        remember(answer.question);
        render();
      });
    });
  }

  var EVENTS = { vote: "qa_vote", answered: "qa_answered", pin: "qa_pin", hide: "qa_hide", show: "qa_hide" };

  list.addEventListener("submit", function (e) {
    var form = e.target;
    var action = form.dataset.qaAction;
    if (!action || !socket.connected) {
      return;
    }
    e.preventDefault();
    var node = form.closest("[data-question-id]");
    var id = Number(node.dataset.questionId);
    var on = form.querySelector('input[name="on"]').value === "1";
    var buttons = form.querySelectorAll("button");
    buttons.forEach(function (b) { b.disabled = true; });
    socket.emit(EVENTS[action], { question_id: id, on: on }, function (answer) {
      buttons.forEach(function (b) { b.disabled = false; });
      if (!answer || !answer.ok) {
        say(answer ? answer.message : "", true);
        render();
        return;
      }
      if (answer.question) {
        remember(answer.question);
      } else if (known[id]) {
        known[id].voted = answer.voted;
        known[id].vote_count = answer.vote_count;
      }
      render();
    });
  });

  root.querySelectorAll("[data-qa-sort]").forEach(function (link) {
    link.addEventListener("click", function (e) {
      e.preventDefault();
      sort = link.dataset.qaSort;
      root.dataset.sort = sort;
      root.querySelectorAll("[data-qa-sort]").forEach(function (other) {
        var active = other === link;
        other.classList.toggle("active", active);
        if (active) {
          other.setAttribute("aria-current", "true");
        } else {
          other.removeAttribute("aria-current");
        }
      });
      render();
    });
  });
})();
