// Keeps the room dashboard (live/dashboard.rs) current without reloading: the server
// pushes "changed" on /live/{lesson}/dashboard/events (server-sent events, already
// coalesced to at most two a second) and this script fetches a freshly rendered
// #dash-view from /live/{lesson}/dashboard/view and swaps it in. One fetch at a time:
// changes that arrive meanwhile cost one more fetch, not one each. After a reconnect
// (the stream's `ready`) it fetches afresh, so a dropped connection misses nothing.
// While the stream is down it asks every 10 s; while it is up, every 30 s, only so that
// the minutes of people in the room keep counting.
(function () {
  "use strict";
  var root = document.getElementById("dash");
  if (!root) { return; }
  var lesson = root.dataset.lesson;
  var POLL_WITHOUT_PUSH_MS = 10000;
  var TICK_WITH_PUSH_MS = 30000;
  var inFlight = false, again = false, timer = null, connected = false;

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(refresh, connected ? TICK_WITH_PUSH_MS : POLL_WITHOUT_PUSH_MS);
  }
  function refresh() {
    if (inFlight) { again = true; return; }
    inFlight = true;
    again = false;
    fetch("/live/" + lesson + "/dashboard/view", { credentials: "same-origin", headers: { accept: "text/html" } })
      .then(function (r) { if (!r.ok) { throw new Error("view " + r.status); } return r.text(); })
      .then(swap, function () {})
      .then(function () {
        inFlight = false;
        if (again) { refresh(); } else { schedule(); }
      });
  }
  function swap(html) {
    var tpl = document.createElement("template");
    tpl.innerHTML = html;
    var fresh = tpl.content.getElementById("dash-view");
    var mine = document.getElementById("dash-view");
    if (!fresh || !mine) { return; }
    // What the viewer opened stays open.
    var numbers = mine.querySelector("#dash-numbers");
    var keepOpen = numbers && numbers.open;
    mine.replaceWith(fresh);
    if (keepOpen) { fresh.querySelector("#dash-numbers").open = true; }
    root.setAttribute("data-refreshed", String(Date.now()));
  }
  if (window.EventSource) {
    var es = new EventSource("/live/" + lesson + "/dashboard/events");
    es.addEventListener("ready", function () {
      connected = true;
      root.setAttribute("data-dash-updates", "push");
      refresh();
    });
    es.addEventListener("change", refresh);
    es.onerror = function () {
      connected = false;
      root.setAttribute("data-dash-updates", "poll");
      schedule();
    };
  }
  schedule();
})();
