// Site search for the starter's /search/ page: loads /search_index.json
// (written by `letterbox build` when build_search_index = true) and
// filters it in the browser. No framework, nothing sent anywhere.
(function () {
  "use strict";
  var form = document.getElementById("search-form");
  var input = document.getElementById("search-input");
  var list = document.getElementById("search-results");
  var status = document.getElementById("search-status");
  if (!form || !input || !list || !status) return;

  var MAX_RESULTS = 20;
  var index = null;

  function load() {
    if (index) return Promise.resolve(index);
    return fetch(list.getAttribute("data-index"))
      .then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.json();
      })
      .then(function (items) {
        index = items.map(function (item) {
          return {
            item: item,
            title: (item.title || "").toLowerCase(),
            description: (item.description || "").toLowerCase(),
            text: (item.text || "").toLowerCase()
          };
        });
        return index;
      });
  }

  // Every word must appear somewhere; title hits count most.
  function score(entry, words) {
    var total = 0;
    for (var i = 0; i < words.length; i++) {
      var w = words[i];
      var s = 0;
      if (entry.title.indexOf(w) !== -1) s += 10;
      if (entry.description.indexOf(w) !== -1) s += 3;
      if (entry.text.indexOf(w) !== -1) s += 1;
      if (s === 0) return 0;
      total += s;
    }
    return total;
  }

  function snippet(entry, words) {
    var text = entry.item.text || entry.item.description || "";
    var at = entry.text.indexOf(words[0]);
    if (at < 0) return text.slice(0, 160);
    var start = Math.max(0, at - 60);
    return (start > 0 ? "…" : "") + text.slice(start, start + 160) + (start + 160 < text.length ? "…" : "");
  }

  function show(query) {
    var words = query.toLowerCase().split(/\s+/).filter(Boolean);
    list.textContent = "";
    if (!words.length) {
      status.textContent = "";
      return;
    }
    status.textContent = "Searching…";
    load()
      .then(function (entries) {
        var hits = entries
          .map(function (e) { return { e: e, s: score(e, words) }; })
          .filter(function (h) { return h.s > 0; })
          .sort(function (a, b) { return b.s - a.s; })
          .slice(0, MAX_RESULTS);
        hits.forEach(function (h) {
          var li = document.createElement("li");
          var a = document.createElement("a");
          a.href = h.e.item.url;
          a.textContent = h.e.item.title || h.e.item.url;
          var p = document.createElement("p");
          p.className = "meta";
          p.textContent = snippet(h.e, words);
          li.appendChild(a);
          li.appendChild(p);
          list.appendChild(li);
        });
        status.textContent = hits.length
          ? hits.length + (hits.length === 1 ? " result" : " results") + " for “" + query + "”"
          : "Nothing found for “" + query + "”.";
      })
      .catch(function () {
        status.textContent = "The search index could not be loaded.";
      });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var q = input.value.trim();
    history.replaceState(null, "", q ? "?q=" + encodeURIComponent(q) : location.pathname);
    show(q);
  });
  var timer = null;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { show(input.value.trim()); }, 150);
  });

  var initial = new URLSearchParams(location.search).get("q");
  if (initial) {
    input.value = initial;
    show(initial.trim());
  }
})();
