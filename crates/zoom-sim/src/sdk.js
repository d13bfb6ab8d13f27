/* zoom-sim stand-in for the Zoom Web Meeting SDK (component view and client view).
   Same JS surface as @zoom/meetingsdk for what Lectern's player uses; joins are checked by
   the simulator (POST /_sim/sdk/join). */
(function () {
  "use strict";
  var script = document.currentScript;
  var SIM = script && script.src ? new URL(script.src).origin : "";

  function post(path, body) {
    return fetch(SIM + path, {
      method: "POST",
      headers: { "content-type": "text/plain;charset=UTF-8" },
      body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().then(function (j) { return { ok: r.ok, body: j }; });
    }, function (e) {
      return { ok: false, body: { type: "JOIN_MEETING_FAILED", reason: "Network error: " + e, errorCode: 1 } };
    });
  }

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  function makeSession(st) {
    st.listeners = st.listeners || {};
    st.emit = function (ev, data) {
      (st.listeners[ev] || []).forEach(function (cb) { try { cb(data); } catch (e) { console.error(e); } });
    };
    st.render = function () {
      if (!st.root) { return; }
      while (st.root.firstChild) { st.root.removeChild(st.root.firstChild); }
      var box = el("div", { id: "zoom-sim-meeting", "data-meeting-number": String(st.joined.meetingNumber),
        "data-participant-id": st.joined.participantId, "data-role": st.joined.isHost ? "host" : "attendee" });
      box.appendChild(el("h2", { "class": "zoom-sim-topic" }, st.joined.topic));
      box.appendChild(el("p", { "class": "zoom-sim-user" }, st.joined.userName));
      var leave = el("button", { id: "zoom-sim-leave", type: "button" }, "Leave");
      leave.addEventListener("click", function () { st.leave(); });
      box.appendChild(leave);
      if (st.joined.isHost) {
        var end = el("button", { id: "zoom-sim-end", type: "button" }, "End meeting for all");
        end.addEventListener("click", function () { st.end(); });
        box.appendChild(end);
      }
      st.root.appendChild(box);
    };
    st.closed = function (reason) {
      if (st.timer) { clearInterval(st.timer); st.timer = null; }
      if (st.root) {
        while (st.root.firstChild) { st.root.removeChild(st.root.firstChild); }
        st.root.appendChild(el("div", { id: "zoom-sim-ended" }, reason));
      }
      st.joined = null;
      st.emit("connection-change", { state: "Closed", reason: reason });
      st.emit("onMeetingStatus", { meetingStatus: 3 });
      if (st.onClosed) { st.onClosed(reason); }
    };
    st.poll = function () {
      st.timer = setInterval(function () {
        if (!st.joined) { return; }
        fetch(SIM + "/_sim/sdk/status?meetingNumber=" + encodeURIComponent(st.joined.meetingNumber) +
          "&participantId=" + encodeURIComponent(st.joined.participantId))
          .then(function (r) { return r.json(); })
          .then(function (s) { if (st.joined && !s.inMeeting) { st.closed(s.reason || "The meeting has ended."); } })
          .catch(function () {});
      }, 1000);
    };
    st.doJoin = function (p) {
      var body = {
        signature: p.signature, sdkKey: p.sdkKey, meetingNumber: p.meetingNumber,
        password: p.password !== undefined ? p.password : p.passWord, userName: p.userName,
        userEmail: p.userEmail, tk: p.tk, zak: p.zak, obfToken: p.obfToken, customerKey: p.customerKey
      };
      return post("/_sim/sdk/join", body).then(function (res) {
        if (!res.ok) { throw res.body; }
        st.joined = res.body;
        st.render();
        st.poll();
        st.emit("connection-change", { state: "Connected" });
        st.emit("onMeetingStatus", { meetingStatus: 2 });
        return res.body;
      });
    };
    st.leave = function () {
      if (!st.joined) { return Promise.resolve(); }
      var j = st.joined;
      return post("/_sim/sdk/leave", { meetingNumber: j.meetingNumber, participantId: j.participantId })
        .then(function () { st.closed("You left the meeting."); });
    };
    st.end = function () {
      if (!st.joined) { return Promise.resolve(); }
      var j = st.joined;
      return post("/_sim/sdk/end", { meetingNumber: j.meetingNumber, participantId: j.participantId })
        .then(function (res) {
          if (!res.ok) { throw res.body; }
          st.closed("The meeting has been ended by host.");
        });
    };
    return st;
  }

  function createClient() {
    var st = makeSession({});
    return {
      init: function (opts) {
        opts = opts || {};
        st.root = opts.zoomAppRoot || null;
        st.opts = opts;
        return Promise.resolve();
      },
      join: function (p) { return st.doJoin(p || {}); },
      leaveMeeting: function () { return st.leave(); },
      endMeeting: function () { return st.end(); },
      on: function (ev, cb) { (st.listeners[ev] = st.listeners[ev] || []).push(cb); },
      off: function (ev, cb) { st.listeners[ev] = (st.listeners[ev] || []).filter(function (f) { return f !== cb; }); },
      getCurrentUser: function () {
        return st.joined ? { userId: Number(st.joined.participantId), displayName: st.joined.userName,
          isHost: !!st.joined.isHost, customerKey: st.joined.customerKey } : null;
      },
      getAttendeeslist: function () { return []; },
      getCurrentMeetingInfo: function () {
        return st.joined ? { meetingNumber: st.joined.meetingNumber, meetingTopic: st.joined.topic } : null;
      }
    };
  }

  window.ZoomMtgEmbedded = { createClient: createClient, destroyClient: function () {}, VERSION: "zoom-sim" };

  var cv = makeSession({});
  function cvRoot() {
    var r = document.getElementById("zmmtg-root");
    if (!r) { r = el("div", { id: "zmmtg-root" }); document.body.appendChild(r); }
    return r;
  }
  function cb(f, v) { if (typeof f === "function") { f(v); } }
  window.ZoomMtg = {
    preLoadWasm: function () {}, prepareWebSDK: function () {}, prepareJssdk: function () {},
    setZoomJSLib: function () {}, checkSystemRequirements: function () { return {}; },
    i18n: { load: function () { return Promise.resolve(); }, reload: function () { return Promise.resolve(); } },
    init: function (opts) {
      opts = opts || {};
      cv.opts = opts;
      cv.root = cvRoot();
      cv.onClosed = function () { if (opts.leaveUrl) { setTimeout(function () { window.location.href = opts.leaveUrl; }, 300); } };
      setTimeout(function () { cb(opts.success, { method: "init", status: true, result: null }); }, 0);
    },
    join: function (p) {
      p = p || {};
      cv.doJoin(p).then(function (r) { cb(p.success, { method: "join", status: true, result: r }); },
        function (e) { cb(p.error, { method: "join", status: false, result: e.reason, errorCode: e.errorCode, errorMessage: e.reason, type: e.type }); });
    },
    leaveMeeting: function (p) { p = p || {}; cv.leave().then(function () { cb(p.success, {}); }, function (e) { cb(p.error, e); }); },
    endMeeting: function (p) { p = p || {}; cv.end().then(function () { cb(p.success, {}); }, function (e) { cb(p.error, e); }); },
    inMeetingServiceListener: function (ev, f) { (cv.listeners[ev] = cv.listeners[ev] || []).push(f); },
    getCurrentUser: function (p) {
      p = p || {};
      cb(p.success, { result: { currentUser: cv.joined ? { userId: Number(cv.joined.participantId),
        userName: cv.joined.userName, isHost: !!cv.joined.isHost } : null } });
    }
  };
})();
