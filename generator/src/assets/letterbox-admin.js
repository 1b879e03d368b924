// Letterbox admin inbox. Talks to the API with the HttpOnly cookie when the
// API shares the site's origin, and with a bearer token kept in
// sessionStorage (never localStorage) when it lives elsewhere. Submitted
// values are only ever inserted as text.
(function () {
  "use strict";
  var root = document.getElementById("lb-admin");
  var api = (root.getAttribute("data-api") || "").replace(/\/$/, "");
  var crossOrigin = api !== "" && new URL(api, location.href).origin !== location.origin;
  var KEY = "letterbox_token";
  var $ = function (id) { return document.getElementById(id); };
  var state = { form: null, folder: "inbox", cursors: [null], page: 0, q: "", status: "" };
  var FOLDERS = ["inbox", "pending", "spam", "archived", "rejected"];
  // What each folder's rows offer: [label, action, class].
  var ACTIONS = {
    inbox: [["Archive", "archive", "lb-act"], ["Spam", "spam", "lb-move"]],
    pending: [["Approve", "approve", "lb-act"], ["Reject", "reject", "lb-act"], ["Spam", "spam", "lb-move"]],
    spam: [["Not spam", "not-spam", "lb-move"]],
    archived: [["Restore", "restore", "lb-act"]],
    rejected: [["Restore", "restore", "lb-act"]]
  };
  function title(word) { return word.charAt(0).toUpperCase() + word.slice(1); }
  function localTime(iso) { var d = new Date(iso); return isNaN(d) ? iso : d.toLocaleString(); }

  function token() { try { return sessionStorage.getItem(KEY); } catch (e) { return null; } }
  function call(method, path, body, accept) {
    var headers = { Accept: accept || "application/json" };
    var t = token();
    if (t) headers.Authorization = "Bearer " + t;
    if (body) headers["Content-Type"] = "application/json";
    return fetch(api + path, {
      method: method, headers: headers, credentials: "include",
      body: body ? JSON.stringify(body) : undefined
    });
  }
  function json(res) {
    // A session that expired or was revoked: back to the login form.
    if (res.status === 401 && !$("lb-inbox").hidden) {
      show("lb-login");
      say("Your session ended; please log in again.", true);
    }
    return res.json().catch(function () { return {}; });
  }
  function show(id) {
    ["lb-login", "lb-inbox"].forEach(function (s) { $(s).hidden = s !== id; });
  }
  function say(text, bad) {
    var el = $("lb-message");
    el.textContent = text || "";
    el.className = bad ? "lb-bad" : "";
  }
  function cell(tag, text) {
    var el = document.createElement(tag);
    el.textContent = text;
    return el;
  }

  function start() {
    call("GET", "/api/auth/me").then(function (res) {
      return json(res).then(function (me) {
        if (res.ok && me.role === "admin") { $("lb-who").textContent = me.sub; show("lb-inbox"); loadForms(); }
        else { show("lb-login"); if (res.ok) say("This account is not an admin.", true); }
      });
    }, function () { show("lb-login"); say("Cannot reach the API at " + (api || location.origin) + ".", true); });
  }

  $("lb-login-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var f = ev.target;
    call("POST", "/api/auth/login", { username: f.username.value, password: f.password.value }).then(function (res) {
      return json(res).then(function (body) {
        if (!res.ok) { say(body.message || "Login failed.", true); return; }
        if (crossOrigin && body.token) sessionStorage.setItem(KEY, body.token);
        f.password.value = "";
        say("");
        start();
      });
    }, function () { say("Cannot reach the API.", true); });
  });

  $("lb-logout").addEventListener("click", function () {
    call("POST", "/api/auth/logout").finally(function () {
      try { sessionStorage.removeItem(KEY); } catch (e) { /* ignore */ }
      state.form = null;
      show("lb-login");
      say("Logged out.");
    });
  });

  function loadForms() {
    call("GET", "/api/forms").then(json).then(function (body) {
      if (!body.forms) { if (body.message) say(body.message, true); return; }
      var list = $("lb-forms");
      list.textContent = "";
      (body.forms || []).forEach(function (f) {
        var li = document.createElement("li");
        var b = cell("button", f.name + " (" + f.count + (f.pending ? ", " + f.pending + " pending" : "") + (f.spam ? ", " + f.spam + " spam" : "") + ")");
        b.type = "button";
        b.setAttribute("data-form-name", f.name);
        if (f.name === state.form) b.setAttribute("aria-current", "true");
        b.addEventListener("click", function () { openForm(f.name, "inbox"); });
        li.appendChild(b);
        list.appendChild(li);
      });
      if (!(body.forms || []).length) list.appendChild(cell("li", "No forms yet."));
    });
  }

  function openForm(name, folder) {
    if (name !== state.form) {
      state.q = "";
      state.status = "";
      if ($("lb-q")) $("lb-q").value = "";
      if ($("lb-status")) $("lb-status").value = "";
    }
    state.form = name;
    state.folder = folder || "inbox";
    var bar = $("lb-folders");
    bar.textContent = "";
    FOLDERS.forEach(function (f) {
      var b = cell("button", title(f));
      b.type = "button";
      b.id = "lb-folder-" + f;
      if (f === state.folder) b.setAttribute("aria-current", "true");
      b.addEventListener("click", function () { openForm(state.form, f); });
      bar.appendChild(b);
    });
    $("lb-outbox").hidden = true;
    if ($("lb-person")) $("lb-person").hidden = true;
    state.cursors = [null];
    state.page = 0;
    loadPage();
    loadForms();
  }

  function loadPage() {
    var cursor = state.cursors[state.page];
    var q = "?limit=" + ($("lb-inbox").getAttribute("data-page-size") || "20") + (cursor ? "&cursor=" + encodeURIComponent(cursor) : "") + "&folder=" + state.folder + (state.q ? "&q=" + encodeURIComponent(state.q) : "") + (state.status ? "&status=" + state.status : "");
    call("GET", "/api/forms/" + encodeURIComponent(state.form) + "/submissions" + q).then(function (res) {
      return json(res).then(function (body) {
        if (!res.ok) { say(body.message || "Could not load submissions.", true); return; }
        render(body);
      });
    });
  }

  function render(body) {
    var subs = body.submissions || [];
    var columns = body.fields || [];
    subs.forEach(function (s) {
      (s.values || []).forEach(function (pair) { if (columns.indexOf(pair[0]) < 0) columns.push(pair[0]); });
    });
    $("lb-title").textContent = state.form + (state.folder === "inbox" ? "" : " · " + title(state.folder));
    $("lb-table-wrap").hidden = false;
    var head = $("lb-head");
    head.textContent = "";
    var all = document.createElement("input");
    all.type = "checkbox";
    all.setAttribute("aria-label", "Select all");
    all.addEventListener("change", function () {
      $("lb-rows").querySelectorAll("input.lb-pick").forEach(function (b) { b.checked = all.checked; });
      picked();
    });
    var th = document.createElement("th");
    th.appendChild(all);
    head.appendChild(th);
    ["Received", "User"].concat(columns).concat([""]).forEach(function (c) { head.appendChild(cell("th", c)); });
    var rows = $("lb-rows");
    rows.textContent = "";
    subs.forEach(function (s) {
      var tr = document.createElement("tr");
      tr.setAttribute("data-id", s.id);
      var pick = document.createElement("input");
      pick.type = "checkbox";
      pick.className = "lb-pick";
      pick.value = s.id;
      pick.setAttribute("aria-label", "Select");
      pick.addEventListener("change", picked);
      var first = document.createElement("td");
      first.appendChild(pick);
      tr.appendChild(first);
      var when = cell("td", localTime(s.received_at || ""));
      when.title = s.received_at || "";
      when.setAttribute("data-label", "Received");
      tr.appendChild(when);
      var user = cell("td", s.user || "");
      user.setAttribute("data-label", "User");
      if (!s.user) user.className = "lb-none";
      tr.appendChild(user);
      markRow(tr, s.read);
      columns.forEach(function (c) {
        var vals = (s.values || []).filter(function (p) { return p[0] === c; }).map(function (p) { return p[1]; });
        var td = cell("td", vals.join(", "));
        td.className = "lb-val";
        td.title = vals.join(", ");
        td.setAttribute("data-label", c);
        // A value opens the whole submission: by click, or Enter/Space.
        td.tabIndex = 0;
        td.addEventListener("click", function () { detail(s, columns, tr); });
        td.addEventListener("keydown", function (e) {
          if (e.key === "Enter" || e.key === " ") { e.preventDefault(); detail(s, columns, tr); }
        });
        tr.appendChild(td);
      });
      var td = document.createElement("td");
      td.className = "lb-actions";
      (ACTIONS[state.folder] || []).forEach(function (a) {
        var b = cell("button", a[0]);
        b.type = "button";
        b.className = a[2];
        b.addEventListener("click", function () { moveTo(s.id, a[1]); });
        td.appendChild(b);
      });
      var del = cell("button", "Delete");
      del.type = "button";
      del.className = "lb-delete";
      del.addEventListener("click", function () { remove(s.id); });
      td.appendChild(del);
      tr.appendChild(td);
      rows.appendChild(tr);
    });
    if (!subs.length) {
      var empty = cell("td", "No submissions.");
      empty.colSpan = columns.length + 4;
      var tr = document.createElement("tr");
      tr.appendChild(empty);
      rows.appendChild(tr);
    }
    picked();
    var note = $("lb-search-note");
    if (note) {
      note.textContent = state.q || state.status ? subs.length + " found in " + body.scanned + " read" + (body.next_cursor ? "; Older → reads on." : ".") : "";
    }
    state.cursors[state.page + 1] = body.next_cursor || null;
    $("lb-newer").disabled = state.page === 0;
    $("lb-older").disabled = !body.next_cursor;
  }

  // One submission, every value in full; opening it marks it read.
  function detail(s, columns, tr) {
    var list = $("lb-detail-list");
    list.textContent = "";
    [["Received", localTime(s.received_at)], ["User", s.user || "—"]].concat(columns.map(function (c) {
      return [c, (s.values || []).filter(function (p) { return p[0] === c; }).map(function (p) { return p[1]; }).join(", ")];
    })).forEach(function (pair) { list.appendChild(cell("dt", pair[0])); list.appendChild(cell("dd", pair[1])); });
    var unread = $("lb-detail-unread");
    if (unread) {
      unread.onclick = function () { markRead(s, tr, false); };
    }
    $("lb-detail").showModal();
    if (!s.read) markRead(s, tr, true);
  }

  // Marks one submission read or unread, and its row with it.
  function markRead(s, tr, read) {
    call("POST", submissionPath(s.id) + "/" + (read ? "read" : "unread") + "?folder=" + state.folder).then(function (res) {
      if (!res.ok) { json(res).then(function (b) { say(b.message || "Could not mark it.", true); }); return; }
      s.read = read;
      markRow(tr, read);
    });
  }

  // An unread row is bold, with a "New" badge before its date.
  function markRow(tr, read) {
    tr.className = read ? "" : "lb-new";
    var badge = tr.querySelector(".lb-new-mark");
    if (read && badge) badge.remove();
    if (!read && !badge) {
      badge = cell("span", "New");
      badge.className = "lb-new-mark";
      var when = tr.children[1];
      when.insertBefore(badge, when.firstChild);
    }
  }

  // The bulk bar: what the selected rows can have done to them at once.
  function picked() {
    var ids = Array.prototype.map.call($("lb-rows").querySelectorAll("input.lb-pick:checked"), function (b) { return b.value; });
    var bar = $("lb-bulk");
    bar.hidden = !ids.length;
    bar.textContent = "";
    bar.appendChild(cell("span", ids.length + " selected"));
    (ACTIONS[state.folder] || []).concat([["Mark read", "read"], ["Mark unread", "unread"], ["Delete", "delete"]]).forEach(function (a) {
      var b = cell("button", a[0] + " selected");
      b.type = "button";
      b.className = "lb-bulk-" + a[1];
      b.addEventListener("click", function () {
        if (a[1] === "delete" && !window.confirm("Delete " + ids.length + " submission(s) permanently?")) return;
        call("POST", "/api/forms/" + encodeURIComponent(state.form) + "/bulk", { action: a[1], ids: ids, folder: state.folder }).then(function (res) {
          return json(res).then(function (r) {
            if (!res.ok) { say(r.message || "That did not work.", true); return; }
            say(a[0] + ": " + r.done + " done.");
            loadPage();
            loadForms();
          });
        });
      });
      bar.appendChild(b);
    });
  }

  function moveTo(id, action) {
    call("POST", submissionPath(id) + "/" + action + "?folder=" + state.folder).then(function (res) {
      return json(res).then(function (b) {
        if (!res.ok) { say(b.message || "That did not work.", true); return; }
        say(action === "not-spam" ? "Moved out of spam; " + (b.queued ? b.queued + " notification(s) wait in the outbox." : "notifications sent.") : title(action) + ": done.");
        loadPage();
        loadForms();
      });
    });
  }

  function submissionPath(id) {
    return "/api/forms/" + encodeURIComponent(state.form) + "/submissions/" + encodeURIComponent(id);
  }

  function remove(id) {
    if (!window.confirm("Delete this submission permanently?")) return;
    call("DELETE", submissionPath(id) + "?folder=" + state.folder).then(function (res) {
      if (res.ok) { say("Deleted."); loadPage(); loadForms(); }
      else json(res).then(function (b) { say(b.message || "Delete failed.", true); });
    });
  }

  // One person's data (access requests and erasure); the inbox template of
  // an older site may lack the panel.
  function openPerson() {
    state.form = null;
    $("lb-table-wrap").hidden = true;
    $("lb-outbox").hidden = true;
    $("lb-person").hidden = false;
    $("lb-title").textContent = "Personal data";
    loadForms();
    $("lb-person-email").focus();
  }
  function person(path, then) {
    var email = $("lb-person-email").value.trim();
    if (!$("lb-person-email").checkValidity() || !email) { $("lb-person-email").reportValidity(); return; }
    call("POST", path, { email: email }).then(function (res) {
      return json(res).then(function (b) {
        if (!res.ok) { say(b.message || "That did not work.", true); return; }
        then(b, email);
      });
    });
  }
  if ($("lb-person")) {
    $("lb-person-open").addEventListener("click", openPerson);
    $("lb-person-form").addEventListener("submit", function (e) {
      e.preventDefault();
      person("/api/admin/person", function (b) {
        var forms = {};
        b.submissions.forEach(function (s) { forms[s.form.split(".")[0]] = 1; });
        $("lb-person-result").textContent = b.submissions.length + " submission(s) hold this address" +
          (b.submissions.length ? " (forms: " + Object.keys(forms).join(", ") + ")." : ".");
      });
    });
    $("lb-person-export").addEventListener("click", function () {
      person("/api/admin/person", function (b, email) {
        var a = document.createElement("a");
        a.href = URL.createObjectURL(new Blob([JSON.stringify(b, null, 2)], { type: "application/json" }));
        a.download = "personal-data-" + email.replace(/[^\w.@-]/g, "_") + ".json";
        document.body.appendChild(a);
        a.click();
        a.remove();
      });
    });
    $("lb-person-erase").addEventListener("click", function () {
      if (!confirm("Erase every submission holding " + $("lb-person-email").value.trim() + ", in every form? This cannot be undone.")) return;
      person("/api/admin/erase", function (b) {
        $("lb-person-result").textContent = "Erased " + b.deleted + " submission(s).";
        loadForms();
      });
    });
  }

  function loadOutbox() {
    state.form = null;
    $("lb-table-wrap").hidden = true;
    if ($("lb-person")) $("lb-person").hidden = true;
    $("lb-outbox").hidden = false;
    $("lb-title").textContent = "Outbox";
    loadForms();
    call("GET", "/api/outbox").then(function (res) {
      return json(res).then(function (body) {
        if (!res.ok) { say(body.message || "Could not load the outbox.", true); return; }
        var rows = $("lb-outbox-rows");
        rows.textContent = "";
        (body.entries || []).forEach(function (e) {
          var tr = document.createElement("tr");
          tr.setAttribute("data-id", e.id);
          [e.created_at, e.form, e.kind, e.to, String(e.attempts), e.last_error,
            e.next_attempt_at ? new Date(e.next_attempt_at).toLocaleString() : "waits for you"].forEach(function (t) { tr.appendChild(cell("td", t || "")); });
          var td = document.createElement("td");
          var retry = cell("button", "Retry");
          retry.type = "button";
          retry.addEventListener("click", function () { retryOutbox([e.id]); });
          var drop = cell("button", "Discard");
          drop.type = "button";
          drop.addEventListener("click", function () {
            call("DELETE", "/api/outbox/" + encodeURIComponent(e.id)).then(function () { loadOutbox(); });
          });
          td.appendChild(retry);
          td.appendChild(drop);
          tr.appendChild(td);
          rows.appendChild(tr);
        });
        if (!(body.entries || []).length) {
          var empty = cell("td", "Nothing waiting: every notification was delivered.");
          empty.colSpan = 8;
          var tr = document.createElement("tr");
          tr.appendChild(empty);
          rows.appendChild(tr);
        }
      });
    });
  }

  function retryOutbox(ids) {
    call("POST", "/api/outbox/retry", ids ? { ids: ids } : {}).then(function (res) {
      return json(res).then(function (b) {
        if (!res.ok) { say(b.message || "Retry failed.", true); return; }
        say("Retried " + b.attempted + ", delivered " + b.delivered + ".");
        loadOutbox();
      });
    });
  }

  $("lb-outbox-open").addEventListener("click", loadOutbox);
  $("lb-outbox-retry").addEventListener("click", function () { retryOutbox(null); });
  if ($("lb-search")) {
    var filter = function (e) {
      if (e) e.preventDefault();
      state.q = $("lb-q").value.trim();
      state.status = $("lb-status") ? $("lb-status").value : "";
      state.cursors = [null];
      state.page = 0;
      loadPage();
    };
    $("lb-search").addEventListener("submit", filter);
    if ($("lb-status")) $("lb-status").addEventListener("change", function () { filter(null); });
  }
  $("lb-older").addEventListener("click", function () { state.page += 1; loadPage(); });
  $("lb-newer").addEventListener("click", function () { state.page = Math.max(0, state.page - 1); loadPage(); });
  $("lb-export").addEventListener("click", function () {
    call("GET", "/api/forms/" + encodeURIComponent(state.form) + "/submissions?format=csv" + "&folder=" + state.folder, null, "text/csv").then(function (res) {
      if (!res.ok) { say("Export failed.", true); return null; }
      return res.blob();
    }).then(function (blob) {
      if (!blob) return;
      var a = document.createElement("a");
      a.href = URL.createObjectURL(blob);
      a.download = state.form + ".csv";
      document.body.appendChild(a);
      a.click();
      a.remove();
    });
  });

  start();
})();
