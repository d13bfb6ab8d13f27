// Keeps a part of an admin page current while something changes underneath it (an
// export being written, a webhook delivery failing and being retried), without reloading.
// The part is an element with `data-refresh-state` (a small JSON endpoint answering
// {"version": "…", "poll_ms": n | null}), `data-refresh-version` (the version it shows)
// and `data-refresh-poll` (ms before the first question; 0: nothing is moving, don't ask).
// When the version differs, the page is fetched again and the part's content swapped in:
// the element stays (it is an aria-live region), the rest of the page (a form being
// filled in) is left alone. `poll_ms` null stops asking. A hidden tab asks again once it
// is shown. Without script, the page's own <noscript> refresh or link does it.
(function () {
  "use strict";
  var SLOW_MS = 10000;

  function follow(el) {
    var url = el.getAttribute("data-refresh-state");
    var first = parseInt(el.getAttribute("data-refresh-poll") || "0", 10);
    var timer = null;
    if (!url || !el.id || !(first > 0)) { return; }

    function later(ms) {
      clearTimeout(timer);
      timer = setTimeout(ask, ms);
    }
    function ask() {
      if (document.hidden) {
        document.addEventListener("visibilitychange", function again() {
          if (document.hidden) { return; }
          document.removeEventListener("visibilitychange", again);
          ask();
        });
        return;
      }
      fetch(url, { credentials: "same-origin", cache: "no-store", headers: { accept: "application/json" } })
        .then(function (r) { if (!r.ok) { throw new Error("state " + r.status); } return r.json(); })
        .then(function (s) {
          if (s.version === el.getAttribute("data-refresh-version")) { return s; }
          return fetch(location.pathname + location.search, {
            credentials: "same-origin", cache: "no-store", headers: { accept: "text/html" }
          })
            .then(function (r) { if (!r.ok) { throw new Error("page " + r.status); } return r.text(); })
            .then(function (html) { swap(html); return s; });
        })
        .then(function (s) {
          if (typeof s.poll_ms === "number" && s.poll_ms > 0) { later(s.poll_ms); }
        }, function () { later(SLOW_MS); });
    }
    function swap(html) {
      var doc = new DOMParser().parseFromString(html, "text/html");
      var fresh = doc.getElementById(el.id);
      if (!fresh) { return; }
      el.replaceChildren.apply(el, Array.prototype.slice.call(fresh.childNodes).map(function (n) {
        return document.importNode(n, true);
      }));
      el.setAttribute("data-refresh-version", fresh.getAttribute("data-refresh-version") || "");
      el.setAttribute("data-refreshed", String(Date.now()));
      // app.js's keyboard-reachable scrolling boxes and countdowns look at the new content.
      window.dispatchEvent(new Event("resize"));
      if (window.lecternCountdowns) { window.lecternCountdowns(); }
    }
    later(first);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-refresh-state]").forEach(follow);
  });
})();
