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
    var first = null;
    Object.keys(fields).forEach(function (name) {
      var list = form.querySelectorAll('[name="' + CSS.escape(name) + '"]');
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
      first = first || list[0];
    });
    if (first) first.focus();
    return first;
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
    fetch(form.action, {
      method: "POST",
      headers: headers,
      body: new URLSearchParams(new FormData(form)),
      credentials: "include"
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (body) {
        if (res.ok) {
          var to = form.getAttribute("data-redirect");
          if (to) { window.location.assign(to); return; }
          form.reset();
          status(form, form.getAttribute("data-success") || "Thank you! Your submission was received.", true);
          return;
        }
        if (res.status === 422 && body.fields && showErrors(form, body.fields)) {
          status(form, form.getAttribute("data-error") || "Please correct the highlighted fields.", false);
          return;
        }
        var text = body.message || "The submission failed (" + res.status + ").";
        if (res.status === 401) text = "Please log in to use this form.";
        if (res.status === 429) text += " Please try again in " + (res.headers.get("Retry-After") || "a few") + " seconds.";
        status(form, text, false);
      });
    }, function () {
      status(form, "Could not reach the server. Your input is kept; please try again.", false);
    }).then(function () {
      if (button) button.disabled = false;
      form.removeAttribute("aria-busy");
    });
  }
  document.querySelectorAll("form[data-form]").forEach(function (form) {
    form.addEventListener("submit", function (ev) { submit(form, ev); });
  });
})();
