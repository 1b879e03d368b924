// Letterbox forms: progressive enhancement for <form data-form>. Without this
// script the plain POST -> 303 -> thank-you page still works.
(function () {
  "use strict";
  var token = function () {
    try { return sessionStorage.getItem("letterbox_token"); } catch (e) { return null; }
  };
  function status(form, text, ok) {
    var el = form.querySelector(".lb-status");
    if (!el) {
      el = document.createElement("p");
      el.className = "lb-status";
      el.setAttribute("role", ok ? "status" : "alert");
      form.appendChild(el);
    }
    el.textContent = text;
    el.setAttribute("data-ok", ok ? "1" : "0");
    return el;
  }
  function clearErrors(form) {
    form.querySelectorAll(".lb-error").forEach(function (e) { e.remove(); });
    form.querySelectorAll("[aria-invalid]").forEach(function (f) {
      f.removeAttribute("aria-invalid");
      var ids = (f.getAttribute("aria-describedby") || "").split(" ").filter(function (i) {
        return i && i.indexOf("lb-err-") !== 0;
      });
      if (ids.length) f.setAttribute("aria-describedby", ids.join(" "));
      else f.removeAttribute("aria-describedby");
    });
    var s = form.querySelector(".lb-status");
    if (s) s.remove();
  }
  function showErrors(form, fields) {
    Object.keys(fields).forEach(function (name) {
      // A CAPTCHA error goes to the widget the build added.
      var list = form.querySelectorAll('[name="' + CSS.escape(name) + '"], [data-lb-field="' + CSS.escape(name) + '"]');
      if (!list.length) return;
      var id = "lb-err-" + form.getAttribute("data-form") + "-" + name.replace(/[^\w-]/g, "_");
      var msg = document.createElement("p");
      msg.className = "lb-error";
      msg.id = id;
      msg.textContent = fields[name].join(" ");
      var last = list[list.length - 1];
      (last.closest("label") || last).insertAdjacentElement("afterend", msg);
      list.forEach(function (f) {
        f.setAttribute("aria-invalid", "true");
        var d = f.getAttribute("aria-describedby");
        f.setAttribute("aria-describedby", d ? d + " " + id : id);
      });
    });
    // Focus the first field in error in the page's order, not the answer's.
    var first = form.querySelector("[aria-invalid=true]");
    if (first) first.focus();
    return first;
  }
  // A CAPTCHA token is good for one verification: a failed post needs a new
  // one.
  function resetCaptcha(form) {
    var w = form.querySelector("[data-lb-field=captcha]"), c = form.getAttribute("data-captcha");
    var a = w && window[c === "recaptcha" ? "grecaptcha" : c];
    // Turnstile takes the container; the others reset their first widget.
    if (a && a.reset) try { a.reset(c === "turnstile" ? w : undefined); } catch (e) {}
  }
  function submit(form, ev) {
    ev.preventDefault();
    var button = form.querySelector("button:not([type=button]), input[type=submit]");
    var headers = { Accept: "application/json" };
    var t = token();
    if (t) headers.Authorization = "Bearer " + t;
    clearErrors(form);
    if (button) button.disabled = true;
    form.setAttribute("aria-busy", "true");
    fetch(form.getAttribute("action"), {
      method: "POST",
      headers: headers,
      body: new URLSearchParams(new FormData(form)),
      credentials: "include"
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (body) {
        if (res.ok) {
          var to = form.getAttribute("data-redirect");
          if (to) { window.location.assign(to); return; }
          HTMLFormElement.prototype.reset.call(form);
          status(form, form.getAttribute("data-success") || "Thank you! Your submission was received.", true);
          return;
        }
        resetCaptcha(form);
        if (res.status === 422 && body.fields && showErrors(form, body.fields)) {
          status(form, form.getAttribute("data-error") || "Please correct the highlighted fields.", false);
          return;
        }
        if (res.status === 401) { login(form, true); return; }
        var text = body.message || "The submission failed (" + res.status + ").";
        var wait = res.headers.get("Retry-After");
        if (res.status === 429 && wait) text += " " + (form.getAttribute("data-retry") || "Please try again in {} seconds.").replace("{}", wait);
        status(form, text, false);
      });
    }, function () {
      status(form, form.getAttribute("data-offline") || "Could not reach the server. Your input is kept; please try again.", false);
    }).then(function () {
      if (button) button.disabled = false;
      form.removeAttribute("aria-busy");
    });
  }
  // Member-only forms: a login box in place, beside the form; after logging
  // in the form is sent again with what was typed. The token is kept for the
  // tab (as the inbox does) and the API also sets its HttpOnly cookie.
  function api(form, path) {
    var a = form.getAttribute("action");
    return a.slice(0, a.indexOf("/api/forms/")) + path;
  }
  function call(form, path, body) {
    var h = { Accept: "application/json" }, t = token();
    if (t) h.Authorization = "Bearer " + t;
    if (body) h["Content-Type"] = "application/json";
    return fetch(api(form, path), { method: body === undefined ? "GET" : "POST", headers: h, body: body || undefined, credentials: "include" });
  }
  function box(form) {
    var b = form.previousElementSibling;
    if (!b || !b.classList.contains("lb-login")) {
      b = document.createElement("div");
      b.className = "lb-login";
      form.insertAdjacentElement("beforebegin", b);
    }
    return b;
  }
  function loggedIn(form, who) {
    var b = box(form);
    b.textContent = "Logged in as " + who + ". ";
    var out = document.createElement("button");
    out.type = "button";
    out.textContent = "Log out";
    out.onclick = function () {
      call(form, "/api/auth/logout", "").then(function () {
        try { sessionStorage.removeItem("letterbox_token"); } catch (e) {}
        login(form, false);
      });
    };
    b.appendChild(out);
  }
  function login(form, retry) {
    var b = box(form);
    b.innerHTML = '<p>This form is for members. Please log in.</p><label>User name <input name="username" autocomplete="username" required></label> <label>Password <input name="password" type="password" autocomplete="current-password" required></label> <button type="submit">Log in</button><p class="lb-status" role="alert"></p>';
    var f = document.createElement("form");
    while (b.firstChild) f.appendChild(b.firstChild);
    b.appendChild(f);
    f.elements.username.focus();
    f.onsubmit = function (ev) {
      ev.preventDefault();
      call(form, "/api/auth/login", JSON.stringify({ username: f.elements.username.value, password: f.elements.password.value })).then(function (res) {
        return res.json().then(function (body) {
          if (!res.ok) { f.querySelector(".lb-status").textContent = body.message || "Login failed."; return; }
          try { sessionStorage.setItem("letterbox_token", body.token); } catch (e) {}
          loggedIn(form, body.sub);
          if (retry) HTMLFormElement.prototype.requestSubmit.call(form);
        });
      }, function () { f.querySelector(".lb-status").textContent = "Could not reach the server."; });
    };
  }
  document.querySelectorAll("form[data-form]").forEach(function (form) {
    form.addEventListener("submit", function (ev) { submit(form, ev); });
    if (form.getAttribute("data-auth") === "required") {
      call(form, "/api/auth/me").then(function (res) {
        return res.ok ? res.json().then(function (me) { loggedIn(form, me.sub); }) : login(form, false);
      }, function () {});
    }
  });
})();
