// Discussions: the mention picker of a post's textarea. Typing "@" and a few letters
// lists matching participants (GET data-mentions?q=…); picking one inserts the stable
// token "@[Name](user:ID)" that the server shows as a link to their profile. Without
// this script the textarea is a plain one.
(function () {
  "use strict";

  var MENTION = /(^|\s)@([^\s@\[\]()]{1,40})$/;

  function setUp(textarea) {
    var box = textarea.closest(".mention-box");
    var menu = box && box.querySelector(".mention-menu");
    if (!menu) return;
    var url = textarea.dataset.mentions;
    var people = [];
    var active = -1;
    var pending = null;
    var asked = "";

    function close() {
      menu.classList.add("d-none");
      menu.replaceChildren();
      people = [];
      active = -1;
      asked = "";
      textarea.removeAttribute("aria-activedescendant");
    }

    function query() {
      var before = textarea.value.slice(0, textarea.selectionStart);
      var found = MENTION.exec(before);
      return found ? found[2] : null;
    }

    function choose(person) {
      var end = textarea.selectionStart;
      var before = textarea.value.slice(0, end);
      var start = before.lastIndexOf("@");
      var name = person.name.replace(/[\[\]\n]/g, " ");
      var token = "@[" + name + "](user:" + person.id + ") ";
      textarea.value = textarea.value.slice(0, start) + token + textarea.value.slice(end);
      var caret = start + token.length;
      textarea.setSelectionRange(caret, caret);
      close();
      textarea.focus();
    }

    function highlight(index) {
      var items = menu.querySelectorAll(".list-group-item");
      items.forEach(function (item, i) {
        item.classList.toggle("active", i === index);
        item.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      active = index;
      if (items[index]) textarea.setAttribute("aria-activedescendant", items[index].id);
    }

    function show(list) {
      menu.replaceChildren();
      people = list;
      if (!list.length) {
        close();
        return;
      }
      list.forEach(function (person, i) {
        var item = document.createElement("button");
        item.type = "button";
        item.id = textarea.id + "-mention-" + i;
        item.className = "list-group-item list-group-item-action py-1";
        item.setAttribute("role", "option");
        item.textContent = person.name;
        if (person.detail) {
          var detail = document.createElement("span");
          detail.className = "small text-body-secondary ms-2";
          detail.textContent = person.detail;
          item.appendChild(detail);
        }
        item.addEventListener("mousedown", function (e) {
          e.preventDefault();
          choose(person);
        });
        menu.appendChild(item);
      });
      menu.classList.remove("d-none");
      highlight(0);
    }

    function lookUp() {
      var q = query();
      if (q === null) {
        close();
        return;
      }
      if (q === asked) return;
      asked = q;
      if (pending) pending.abort();
      pending = new AbortController();
      fetch(url + "?q=" + encodeURIComponent(q), {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        signal: pending.signal,
      })
        .then(function (r) { return r.ok ? r.json() : { people: [] }; })
        .then(function (data) { show(data.people || []); })
        .catch(function () {});
    }

    textarea.addEventListener("input", lookUp);
    textarea.addEventListener("keydown", function (e) {
      if (menu.classList.contains("d-none") || !people.length) return;
      if (e.key === "ArrowDown") {
        e.preventDefault();
        highlight((active + 1) % people.length);
      } else if (e.key === "ArrowUp") {
        e.preventDefault();
        highlight((active - 1 + people.length) % people.length);
      } else if (e.key === "Enter" || e.key === "Tab") {
        if (active >= 0) {
          e.preventDefault();
          choose(people[active]);
        }
      } else if (e.key === "Escape") {
        close();
      }
    });
    textarea.addEventListener("blur", function () {
      window.setTimeout(close, 150);
    });
  }

  document.querySelectorAll("textarea[data-mentions]").forEach(setUp);
})();
