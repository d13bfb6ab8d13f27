// Keeps a page with live lessons truthful while it stays open, and runs the embedded
// meeting for students.
//
// - The server decides what a page shows (live/display.rs). This script only asks again:
//   when the server pushes a change (server-sent events from
//   /courses/{slug}/live/events), when the clock reaches the instant the server named
//   (data-next-change / next_change), after a reconnect, and, as a fallback, on a slow
//   poll. Nothing here ever reloads the page.
// - The player's panel is swapped in place (#live-view, #live-extras); #zoom-root, where
//   the meeting runs, is never touched, so a student in class is never thrown out.
// - Join loads Zoom's Meeting SDK (component view) with the scripts it needs, joins with
//   a signature from /api/live/{lesson}/join and follows the SDK's connection-change
//   events: joined (Leave), left (Rejoin), failed (why).
(function () {
  "use strict";
  var POLL_WITHOUT_PUSH_MS = 10000;
  var POLL_WITH_PUSH_MS = 60000;
  var WAIT_FOR_HOST_MS = 5000;
  var SPREAD_MS = 600;

  var panel = document.getElementById("live");
  var outline = document.querySelector("[data-live-course]");
  var slug = (panel && panel.dataset.course) || (outline && outline.dataset.liveCourse);
  if (!slug) { return; }
  var lessonId = panel ? panel.dataset.lesson : null;
  var base = "/courses/" + encodeURIComponent(slug) + "/live/";
  var skewMs = 0; // server clock − our clock, from the Date header
  var clocks = {};
  var pollTimer = null;

  function noop() {}
  function byId(id) { return document.getElementById(id); }
  function noteSkew(r) {
    var d = Date.parse(r.headers.get("date") || "");
    if (!isNaN(d)) { skewMs = d - Date.now(); }
    return r;
  }
  // Asks again when the server's clock reaches `iso` (a little after, so the server
  // already sees the new state; never sooner than a second).
  function atServerTime(key, iso, fn) {
    clearTimeout(clocks[key]);
    var at = Date.parse(iso || "");
    if (isNaN(at)) { return; }
    var wait = Math.max(1000, at - (Date.now() + skewMs) + 750);
    clocks[key] = setTimeout(fn, Math.min(wait, 2147483000));
  }

  // ---- outline badges (player sidebar and course page) ----
  function refreshStates() {
    if (!outline) { return; }
    fetch(base + "states", { credentials: "same-origin", headers: { accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error("states " + r.status); } return noteSkew(r).json(); })
      .then(applyStates, noop);
  }
  function applyStates(s) {
    var next = null;
    (s.lessons || []).forEach(function (l) {
      var li = outline.querySelector('li[data-lesson-id="' + l.lesson + '"]');
      var badge = li && li.querySelector("[data-live-badge]");
      // The lesson open in the player has its countdown in the panel: its badge would only
      // say "Starts in" without a time.
      var isOpen = li && !!li.querySelector("[aria-current]");
      if (badge) {
        badge.hidden = isOpen && !!l.countdown_to;
        badge.className = "live-badge live-badge-" + l.display;
        badge.setAttribute("data-display", l.display);
        badge.textContent = " · " + l.label;
        if (l.countdown_to && !isOpen) {
          var c = document.createElement("span");
          c.className = "countdown";
          c.setAttribute("data-countdown", l.countdown_to);
          badge.appendChild(document.createTextNode(" "));
          badge.appendChild(c);
        }
        var time = li.querySelector("time");
        if (time && l.starts && time.getAttribute("datetime") !== l.starts) {
          time.setAttribute("datetime", l.starts);
          time.textContent = l.when;
        }
      }
      var t = Date.parse(l.next_change || "");
      if (!isNaN(t) && (next === null || t < next)) { next = t; }
    });
    // The badges' new countdowns get their text now, not at the next second.
    if (window.lecternCountdowns) { window.lecternCountdowns(); }
    atServerTime("states", next === null ? "" : new Date(next).toISOString(), refreshStates);
  }

  // ---- the player's panel ----
  function refreshPanel() {
    if (!panel) { return; }
    fetch("/live/" + lessonId + "/panel", { credentials: "same-origin", headers: { accept: "text/html" } })
      .then(function (r) { if (!r.ok) { throw new Error("panel " + r.status); } return noteSkew(r).text(); })
      .then(swap, noop);
  }
  function swap(html) {
    var tpl = document.createElement("template");
    tpl.innerHTML = html;
    var fresh = tpl.content.getElementById("live");
    if (!fresh) { return; }
    var before = panel.getAttribute("data-display");
    ["data-display", "data-next-change"].forEach(function (a) {
      panel.setAttribute(a, fresh.getAttribute(a) || "");
    });
    ["live-view", "live-extras"].forEach(function (id) {
      var mine = byId(id), theirs = fresh.querySelector("#" + id);
      if (mine && theirs) { mine.replaceWith(theirs); }
    });
    var root = byId("zoom-root"), freshRoot = fresh.querySelector("#zoom-root");
    if (root && freshRoot) {
      ["data-sdk-scripts", "data-sdk-language", "data-web-endpoint", "data-asset-path", "data-csrf"].forEach(function (a) {
        root.setAttribute(a, freshRoot.getAttribute(a) || "");
      });
    }
    var display = panel.getAttribute("data-display");
    if (display !== "live") {
      clearTimeout(meeting.waitTimer);
      if (meeting.state === "joining" || meeting.state === "left") { meeting.state = "none"; }
    }
    showMeetingState();
    if (window.lecternCountdowns) { window.lecternCountdowns(); }
    if (before !== display) { announce(); }
    atServerTime("panel", panel.getAttribute("data-next-change"), refreshPanel);
  }
  function announce() {
    var live = byId("live-announce"), msg = panel && panel.querySelector("[data-message]");
    if (!live || !msg) { return; }
    var text = msg.getAttribute("data-announce") || msg.textContent.trim();
    if (meeting.state === "joined" && msg.getAttribute("data-joined")) { text = msg.getAttribute("data-joined"); }
    if (meeting.state === "left" && msg.getAttribute("data-left")) { text = msg.getAttribute("data-left"); }
    live.textContent = text;
  }

  function refreshAll() { refreshStates(); refreshPanel(); }
  // A whole class hears the same change at the same instant: spreading the refetches over
  // a moment keeps them from arriving as one burst (lectern-bench live-push).
  function soon(fn) { setTimeout(fn, Math.random() * SPREAD_MS); }

  // ---- push, with a slow poll behind it ----
  function poll(ms) {
    clearInterval(pollTimer);
    pollTimer = setInterval(refreshAll, ms);
  }
  function connect() {
    if (!window.EventSource) { poll(POLL_WITHOUT_PUSH_MS); return; }
    var es = new EventSource(base + "events");
    // Whether changes come by push or by the poll: for people who debug a page (and tests).
    function via(how) { document.documentElement.setAttribute("data-live-updates", how); }
    es.addEventListener("ready", function () { via("push"); poll(POLL_WITH_PUSH_MS); soon(refreshAll); });
    es.addEventListener("change", function (e) {
      var d = null;
      try { d = JSON.parse(e.data); } catch (err) { d = null; }
      soon(function () {
        refreshStates();
        // Lesson 0: every lesson of the school (its Zoom connection changed).
        if (!d || !d.lesson || String(d.lesson) === String(lessonId)) { refreshPanel(); }
      });
    });
    es.addEventListener("resync", function () { soon(refreshAll); });
    es.onerror = function () {
      via("poll");
      poll(POLL_WITHOUT_PUSH_MS);
      // The browser retries by itself unless the server refused the stream for good.
      if (es.readyState === 2) { setTimeout(connect, 5000 + Math.random() * 5000); }
    };
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { refreshAll(); }
  });

  // ---- the embedded meeting (enrolled students) ----
  var meeting = { state: "none", client: null, waitTimer: null, sdk: null };

  function status(text) { var s = byId("live-status"); if (s) { s.textContent = text || ""; } }
  function statusText(key) { var s = byId("live-status"); return (s && s.getAttribute("data-" + key)) || ""; }
  // The buttons and message for the student's own part (in the meeting, left it).
  function showMeetingState() {
    var join = byId("live-join"), leave = byId("live-leave"), msg = panel && panel.querySelector("[data-message]");
    if (join) {
      join.hidden = meeting.state === "joined";
      join.disabled = meeting.state === "joining";
      if (meeting.state === "left" && join.getAttribute("data-rejoin")) { join.textContent = join.getAttribute("data-rejoin"); }
    }
    if (leave) { leave.hidden = meeting.state !== "joined"; }
    // In the meeting already: a second way in would only join twice.
    var app = byId("live-open-app");
    if (app) { app.hidden = meeting.state === "joined"; }
    if (msg && msg.getAttribute("data-joined")) {
      if (!msg.hasAttribute("data-default")) { msg.setAttribute("data-default", msg.textContent); }
      msg.textContent = meeting.state === "joined" ? msg.getAttribute("data-joined")
        : meeting.state === "left" ? msg.getAttribute("data-left") : msg.getAttribute("data-default");
    }
    if (panel) { panel.setAttribute("data-meeting", meeting.state); }
    phoneFirst();
  }
  function setMeeting(state) {
    var changed = meeting.state !== state;
    meeting.state = state;
    showMeetingState();
    if (changed && state !== "joining") { announce(); }
  }
  // Zoom's component view is made for desktop browsers: on a phone the Zoom app is the
  // first choice when we have its link, the embedded meeting the second.
  function phoneFirst() {
    var app = byId("live-open-app"), join = byId("live-join");
    if (!app || !join || !window.matchMedia || !window.matchMedia("(max-width: 640px), (pointer: coarse)").matches) { return; }
    app.classList.remove("secondary");
    join.classList.add("secondary");
    if (app.nextSibling !== join) { join.parentNode.insertBefore(app, join); }
  }

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var s = document.createElement("script");
      s.src = src;
      s.async = false;
      s.onload = resolve;
      s.onerror = function () { reject(new Error("could not load " + src)); };
      document.head.appendChild(s);
    });
  }
  // React, ReactDOM, Redux, Redux-Thunk, lodash, then Zoom's bundle, in this order.
  function loadSdk() {
    if (window.ZoomMtgEmbedded) { return Promise.resolve(); }
    if (meeting.sdk) { return meeting.sdk; }
    var root = byId("zoom-root"), scripts = [];
    try { scripts = JSON.parse(root.getAttribute("data-sdk-scripts") || "[]"); } catch (e) { scripts = []; }
    meeting.sdk = scripts.reduce(function (p, src) {
      return p.then(function () { return loadScript(src); });
    }, Promise.resolve()).then(function () {
      if (!window.ZoomMtgEmbedded) { throw new Error("the Meeting SDK did not start"); }
    });
    meeting.sdk.catch(function () { meeting.sdk = null; });
    return meeting.sdk;
  }
  function ask() {
    var root = byId("zoom-root");
    return fetch("/api/live/" + lessonId + "/join", {
      method: "POST", credentials: "same-origin",
      headers: { "x-csrf-token": root.getAttribute("data-csrf"), "accept": "application/json" }
    }).then(function (r) { if (!r.ok) { throw new Error("join " + r.status); } return r.json(); });
  }
  function failed(why) {
    setMeeting("none");
    status(statusText("failed") + (why ? " (" + why + ")" : ""));
  }
  function join() {
    if (meeting.state === "joining" || meeting.state === "joined") { return; }
    var previous = meeting.state;
    setMeeting("joining");
    status(statusText("joining"));
    ask().then(function (a) {
      if (a.status === "waiting") {
        status(statusText("waiting"));
        clearTimeout(meeting.waitTimer);
        meeting.waitTimer = setTimeout(function () {
          if (meeting.state === "joining") { meeting.state = previous; join(); }
        }, WAIT_FOR_HOST_MS);
        return null;
      }
      if (a.status === "ended") { setMeeting("none"); status(statusText("ended")); refreshPanel(); return null; }
      // "try_again": Zoom is failing (or Lectern paused its calls to it); a later click may work.
      if (a.status !== "ready") { setMeeting(previous === "left" ? "left" : "none"); status(statusText(a.status === "try_again" ? "try-again" : "unavailable")); return null; }
      return loadSdk().then(function () { return open(a); });
    }).catch(function (e) { failed(e && (e.reason || e.message)); });
  }
  function sdkSize(root) {
    var w = Math.max(240, Math.floor(root.getBoundingClientRect().width || 640));
    return { width: w, height: Math.round(w * 9 / 16) };
  }
  function open(a) {
    var root = byId("zoom-root");
    var client = window.ZoomMtgEmbedded.createClient();
    meeting.client = client;
    var opts = {
      zoomAppRoot: root,
      language: root.getAttribute("data-sdk-language") || "en-US",
      patchJsMedia: true,
      leaveOnPageUnload: true,
      customize: { video: { isResizable: true, viewSizes: { default: sdkSize(root) } } }
    };
    if (root.getAttribute("data-web-endpoint")) { opts.webEndpoint = root.getAttribute("data-web-endpoint"); }
    // The SDK's media files live beside its scripts; without assetPath it fetches them
    // from Zoom's CDN even when the scripts came from a mirror, and refuses to join.
    if (root.getAttribute("data-asset-path")) { opts.assetPath = root.getAttribute("data-asset-path"); }
    return client.init(opts).then(function () {
      // The client learns its event names in init: on() before it throws.
      client.on("connection-change", onConnection);
      var p = {
        sdkKey: a.sdkKey, signature: a.signature, meetingNumber: a.meetingNumber, password: a.password,
        userName: a.userName, userEmail: a.userEmail, customerKey: a.customerKey
      };
      // Meetings of another Zoom account admit us with the host's on-behalf-of token.
      if (a.obfToken) { p.obfToken = a.obfToken; }
      return client.join(p);
    }).then(function () {
      status("");
      setMeeting("joined");
    }, function (e) {
      closeClient();
      throw e;
    });
  }
  function closeClient() {
    meeting.client = null;
    try { window.ZoomMtgEmbedded.destroyClient(); } catch (e) { /* already gone */ }
  }
  function onConnection(e) {
    if (!e) { return; }
    if (e.state === "Connected") { status(""); setMeeting("joined"); return; }
    if (e.state === "Closed") {
      var wasIn = meeting.state === "joined";
      closeClient();
      setMeeting(wasIn && panel.getAttribute("data-display") === "live" ? "left" : "none");
      refreshPanel();
      return;
    }
    if (e.state === "Fail") {
      closeClient();
      failed([e.reason, e.errorCode].filter(Boolean).join(", "));
    }
  }
  function leave() {
    if (!meeting.client) { setMeeting("left"); return; }
    var c = meeting.client;
    Promise.resolve().then(function () { return c.leaveMeeting(); }).catch(function () {
      // The SDK could not say goodbye (network gone): let go of it here all the same.
      closeClient();
      setMeeting("left");
    });
  }

  if (panel) {
    panel.addEventListener("click", function (e) {
      var t = e.target;
      if (t.closest && t.closest("#live-join")) { join(); }
      if (t.closest && t.closest("#live-leave")) { leave(); }
    });
    showMeetingState();
    atServerTime("panel", panel.getAttribute("data-next-change"), refreshPanel);
  }
  if (outline) { refreshStates(); }
  connect();
  poll(POLL_WITHOUT_PUSH_MS);
})();
