// Lectern's small amount of JavaScript: time-zone detection, confirmations and countdowns.
(function () {
  "use strict";
  var tz = "";
  try { tz = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { tz = ""; }

  // Remember the browser's zone for anonymous pages (read by the server, changes nothing).
  if (tz && document.cookie.indexOf("lectern_tz=") === -1) {
    document.cookie = "lectern_tz=" + encodeURIComponent(tz) + "; path=/; max-age=31536000; samesite=lax";
  }

  // Forms with data-confirm ask before they are sent (e.g. "Cancel session").
  document.addEventListener("submit", function (e) {
    var f = e.target;
    if (f && f.getAttribute && f.getAttribute("data-confirm") && !window.confirm(f.getAttribute("data-confirm"))) {
      e.preventDefault();
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-detect-timezone]").forEach(function (el) {
      if (!el.value && tz) { el.value = tz; }
    });
    document.querySelectorAll("datalist[data-timezones]").forEach(function (list) {
      if (!Intl.supportedValuesOf) { return; }
      Intl.supportedValuesOf("timeZone").forEach(function (z) {
        var o = document.createElement("option"); o.value = z; list.appendChild(o);
      });
    });
    // A box that scrolls sideways (a wide table, a long code line) must be reachable by
    // keyboard, or its hidden part can't be read without a mouse (WCAG 2.1.1).
    function focusableScrollers() {
      document.querySelectorAll(".table-wrap, .markdown pre, .markdown table").forEach(function (el) {
        var scrolls = el.scrollWidth > el.clientWidth + 1;
        if (scrolls && !el.hasAttribute("tabindex")) {
          el.setAttribute("tabindex", "0");
          el.setAttribute("data-scroll-focus", "");
        } else if (!scrolls && el.hasAttribute("data-scroll-focus")) {
          el.removeAttribute("tabindex");
          el.removeAttribute("data-scroll-focus");
        }
      });
    }
    focusableScrollers();
    window.addEventListener("resize", focusableScrollers);

    // Countdowns only count: they never reload the page. Live pages swap their content
    // (live.js), so every tick looks for the countdowns that are there now.
    tick(); setInterval(tick, 1000);
    window.lecternCountdowns = tick;
    function tick() {
      document.querySelectorAll("[data-countdown]").forEach(function (el) {
        var target = Date.parse(el.getAttribute("data-countdown"));
        if (isNaN(target)) { return; }
        var left = Math.max(0, Math.floor((target - Date.now()) / 1000));
        var d = Math.floor(left / 86400), h = Math.floor(left % 86400 / 3600), m = Math.floor(left % 3600 / 60), s = left % 60;
        var text = (d ? d + "d " : "") + pad(h) + ":" + pad(m) + ":" + pad(s);
        if (el.textContent !== text) { el.textContent = text; }
      });
    }
    function pad(n) { return n < 10 ? "0" + n : "" + n; }
  });
})();
