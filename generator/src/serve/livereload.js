(function () {
  "use strict";
  var url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/__letterbox/livereload";
  var box = null;
  function overlay(text) {
    if (!box) {
      box = document.createElement("div");
      box.id = "letterbox-error-overlay";
      box.setAttribute("role", "alert");
      box.style.cssText = "position:fixed;inset:0;z-index:2147483647;overflow:auto;margin:0;padding:1.5rem;" +
        "background:rgba(20,10,10,.94);color:#ffd7d2;font:14px/1.5 ui-monospace,monospace;white-space:pre-wrap";
      var h = document.createElement("strong");
      h.textContent = "letterbox serve: the build failed; the last good version is shown below this message.\n\n";
      var pre = document.createElement("pre");
      pre.style.cssText = "margin:0;white-space:pre-wrap";
      box.appendChild(h);
      box.appendChild(pre);
      document.body.appendChild(box);
    }
    box.lastChild.textContent = text;
  }
  function connect(retry) {
    var ws = new WebSocket(url);
    ws.onopen = function () { if (retry) location.reload(); };
    ws.onmessage = function (ev) {
      var msg = {};
      try { msg = JSON.parse(ev.data); } catch (e) { return; }
      if (msg.type === "reload") location.reload();
      else if (msg.type === "error") overlay(msg.text);
    };
    ws.onclose = function () { setTimeout(function () { connect(true); }, 1000); };
  }
  connect(false);
})();
