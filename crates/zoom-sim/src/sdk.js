/* zoom-sim stand-in for Zoom's Web Meeting SDK (@zoom/meetingsdk), served per version in the
   layout of Zoom's CDN. It is as strict as the real bundle of that version in what a page can
   get wrong (scripts it needs first, join fields, languages, events, promise shapes) and
   lenient nowhere that would hide a bug; what the real SDK does is in docs/zoom-web-sdk.md.
   Joins are checked by the simulator (POST /_sim/sdk/join). The server fills in CFG:
   {version: "6.2.0", view: "component" | "client" | "legacy"}. */
(function (CFG) {
  "use strict";
  var major = parseInt(CFG.version, 10) || 0;
  var legacy = CFG.view === "legacy";

  if (CFG.view === "component") {
    // Zoom's component-view bundle reads these page globals on its first line; without them
    // it throws "React is not defined" and never defines ZoomMtgEmbedded.
    void React.version;
    void ReactDOM.version;
  }

  var script = document.currentScript;
  var SIM = script && script.src ? new URL(script.src).origin : "";

  // Codes the SDK translates; anything else shows English. 4.0.0 added ja-JP/ko-KR and
  // deprecated jp-JP/ko-KO, which 7.0.0 announces it will stop accepting.
  var LANGS = ["en-US", "de-DE", "es-ES", "fr-FR", "jp-JP", "pt-PT", "ru-RU", "zh-CN", "zh-TW",
    "ko-KO", "vi-VN", "it-IT", "pl-PL", "tr-TR", "id-ID", "nl-NL", "sv-SE"];
  if (major >= 4) { LANGS = LANGS.concat(["ja-JP", "ko-KR"]); }
  if (major >= 7) { LANGS = LANGS.filter(function (l) { return l !== "jp-JP" && l !== "ko-KO"; }); }
  function displayLanguage(l) {
    if (typeof l !== "string" || LANGS.indexOf(l) < 0) { return "en-US"; }
    if (major >= 4 && l === "jp-JP") {
      console.warn("jp-JP is deprecated, use ja-JP instead since 4.0.0, will not accept jp-JP in 7.0.0.");
      return "ja-JP";
    }
    if (major >= 4 && l === "ko-KO") {
      console.warn("ko-KO is deprecated, use ko-KR instead since 4.0.0, will not accept ko-KO in 7.0.0.");
      return "ko-KR";
    }
    return l;
  }

  // The real SDK keeps only the host name of webEndpoint and always speaks https to it.
  function webHost(e) {
    if (!e) { return "zoom.us"; }
    var u = /^https?:\/\//.test(e) ? e : "https://" + e;
    try { return new URL(u).hostname; } catch (x) { return ""; }
  }

  // Same decoding as the real bundle (5.x+), so a missing or malformed signature fails the
  // same way (a TypeError or DOMException from the page's own join call).
  function decodeJwt(sig) {
    var t = sig.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    var s = decodeURIComponent(window.atob(t).split("").map(function (c) {
      return "%" + ("00" + c.charCodeAt(0).toString(16)).slice(-2);
    }).join(""));
    return JSON.parse(s);
  }

  function post(path, body) {
    return fetch(SIM + path, {
      method: "POST",
      headers: { "content-type": "text/plain;charset=UTF-8" },
      body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().then(function (j) { return { ok: r.ok, body: j }; });
    }, function (e) {
      return { ok: false, body: { type: "JOIN_MEETING_FAILED", reason: "connection error", errorCode: 1, detail: String(e) } };
    });
  }

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) { e.textContent = text; }
    return e;
  }
  function clear(root) { while (root && root.firstChild) { root.removeChild(root.firstChild); } }

  function makeSession(st) {
    st.listeners = st.listeners || {};
    st.emit = function (ev, data) {
      (st.listeners[ev] || []).forEach(function (cb) { try { cb(data); } catch (e) { console.error(e); } });
    };
    st.render = function () {
      if (!st.root) { return; }
      clear(st.root);
      var box = el("div", { id: "zoom-sim-meeting", "data-meeting-number": String(st.joined.meetingNumber),
        "data-participant-id": st.joined.participantId, "data-role": st.joined.isHost ? "host" : "attendee",
        "data-language": st.language || "en-US", "data-web-endpoint": st.webHost || "zoom.us",
        "data-sdk-version": CFG.version });
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
    // The real SDK's default joining-error dialog (customize.isShowJoiningErrorDialog).
    st.renderFailure = function (e) {
      if (!st.root || (st.customize && st.customize.isShowJoiningErrorDialog === false)) { return; }
      clear(st.root);
      st.root.appendChild(el("div", { id: "zoom-sim-join-error", role: "dialog",
        "data-error-code": String(e.errorCode), "data-language": st.language || "en-US" }, e.reason));
    };
    // reason: undefined when this participant left (the real SDK's Closed carries none then).
    st.closed = function (reason) {
      if (st.timer) { clearInterval(st.timer); st.timer = null; }
      if (legacy) {
        if (st.root) { clear(st.root); st.root.appendChild(el("div", { id: "zoom-sim-ended" }, reason || "You left the meeting.")); }
      } else {
        clear(st.root);
      }
      st.joined = null;
      st.emit("connection-change", reason === undefined ? { state: "Closed" } : { state: "Closed", reason: reason });
      st.emit("onMeetingStatus", { meetingStatus: 3 });
      if (st.onClosed) { st.onClosed(reason); }
    };
    st.poll = function () {
      st.timer = setInterval(function () {
        if (!st.joined) { return; }
        fetch(SIM + "/_sim/sdk/status?meetingNumber=" + encodeURIComponent(st.joined.meetingNumber) +
          "&participantId=" + encodeURIComponent(st.joined.participantId))
          .then(function (r) { return r.json(); })
          .then(function (s) { if (st.joined && !s.inMeeting) { st.closed(s.reason || "ended by host"); } })
          .catch(function () {});
      }, 1000);
    };
    st.doJoin = function (p) {
      var body = {
        signature: p.signature, sdkKey: p.sdkKey, meetingNumber: p.meetingNumber,
        password: p.password !== undefined ? p.password : p.passWord, userName: p.userName,
        userEmail: p.userEmail, tk: p.tk, zak: p.zak, customerKey: p.customerKey
      };
      // 3.x has no obfToken: it is silently dropped, so Zoom sees an anonymous join.
      if (major >= 5 || legacy) { body.obfToken = p.obfToken; }
      return post("/_sim/sdk/join", body).then(function (res) {
        if (!res.ok) {
          var e = { type: "JOIN_MEETING_FAILED", reason: res.body.reason, errorCode: res.body.errorCode };
          st.emit("connection-change", { state: "Fail", reason: e.reason, errorCode: e.errorCode });
          if (!legacy) { st.renderFailure(e); }
          throw e;
        }
        st.joined = res.body;
        st.render();
        st.poll();
        st.emit("connection-change", { state: "Connected" });
        st.emit("onMeetingStatus", { meetingStatus: 2 });
        return legacy ? res.body : "";
      });
    };
    st.leave = function () {
      if (!st.joined) { return Promise.resolve(""); }
      var j = st.joined;
      return post("/_sim/sdk/leave", { meetingNumber: j.meetingNumber, participantId: j.participantId })
        .then(function () { st.closed(legacy ? "You left the meeting." : undefined); return ""; });
    };
    st.end = function () {
      if (!st.joined) { return Promise.resolve(""); }
      var j = st.joined;
      return post("/_sim/sdk/end", { meetingNumber: j.meetingNumber, participantId: j.participantId })
        .then(function (res) {
          if (!res.ok) { throw res.body; }
          st.closed("ended by host");
          return "";
        });
    };
    return st;
  }

  // The component view's join: the checks the real bundle makes before it contacts Zoom, as
  // rejections (Error objects, like the real one), in the real order.
  function checkedJoin(st, p) {
    return Promise.resolve().then(function () {
      if (legacy) { return st.doJoin(p); }
      if (major < 4 && !p.sdkKey) { throw new Error("sdkKey can not empty"); }
      if (major >= 4 && p.sdkKey) {
        console.warn("The sdkKey has been removed from joinOptions since v4.0.0. https://marketplacefront.zoom.us/sdk/meeting/web/components/interfaces/JoinOptions.html");
      }
      if (major >= 5) {
        var claims = decodeJwt(p.signature);
        if (claims.sdkKey) {
          console.warn("The sdkKey will be deprecated in the signature after v5.0.0, please use appKey:sdkKey or appKey:clientId in your signature.");
        }
        if (!claims.appKey && !claims.sdkKey) { throw new Error("appKey can not empty in the signature"); }
      }
      if (!st.root) { throw new Error("zoomAppRoot must be defined"); }
      if (p.apiKey) {
        throw new Error("Using a Zoom JWT App type API Key (apiKey) is no longer available in version 2.7.0+ of the SDK. Please use an SDK App type SDK Key (sdkKey) instead and the SDK JWT Auth flow. \nhttps://developers.zoom.us/docs/meeting-sdk/auth/");
      }
      if (!p.userName) { throw new Error("userName cannot be empty"); }
      if (major >= 5 && p.zak && p.obfToken) {
        console.error("Validation Error: zak and obfToken are mutually exclusive. Please provide only one.");
        throw new Error("zak and obfToken are mutually exclusive. Please provide only one.");
      }
      if (typeof p.customerKey === "string" && p.customerKey.length > 36) {
        console.warn("customerKey maximum length is 36 characters");
      }
      return st.doJoin(p);
    });
  }

  var EVENTS = ["connection-change", "user-added", "user-removed", "user-updated", "active-speaker",
    "audio-statistic-data-change", "video-statistic-data-change", "media-sdk-change", "network-quality-change"];

  function createClient() {
    var st = makeSession({});
    // Lenient before init() only in the simulator's original one-file stand-in.
    if (legacy) { st.events = EVENTS; }
    return {
      init: function (opts) {
        opts = opts || {};
        if (!opts.zoomAppRoot) {
          return Promise.reject({ type: "INIT_MEETING_FAILED", reason: "zoomAppRoot cannot be falsy", errorCode: -1 });
        }
        st.root = opts.zoomAppRoot;
        st.events = EVENTS;
        if (!legacy && st.root.style && st.root.style.display !== "flex") { st.root.style.display = "flex"; }
        st.opts = opts;
        st.customize = opts.customize || {};
        st.language = displayLanguage(opts.language || "en-US");
        st.webHost = webHost(opts.webEndpoint);
        return Promise.resolve("");
      },
      join: function (p) { return checkedJoin(st, p || {}); },
      leaveMeeting: function () { return st.leave(); },
      endMeeting: function () { return st.end(); },
      // The real client learns its event names in init(): on() before init() throws
      // "Cannot read properties of undefined (reading 'includes')".
      on: function (ev, cb) {
        if (typeof cb !== "function") { return; }
        if (st.events.includes(ev)) { (st.listeners[ev] = st.listeners[ev] || []).push(cb); }
      },
      off: function (ev, cb) {
        if (st.events.includes(ev)) { st.listeners[ev] = (st.listeners[ev] || []).filter(function (f) { return f !== cb; }); }
      },
      getCurrentUser: function () {
        return st.joined ? { userId: Number(st.joined.participantId), displayName: st.joined.userName,
          isHost: !!st.joined.isHost, customerKey: st.joined.customerKey } : null;
      },
      getAttendeeslist: function () { return []; },
      getCurrentMeetingInfo: function () {
        return st.joined ? { meetingNumber: st.joined.meetingNumber, meetingTopic: st.joined.topic,
          webEndpoint: st.webHost, lang: st.language, isInMeeting: true } : { isInMeeting: false };
      }
    };
  }

  if (CFG.view === "component" || legacy) {
    window.ZoomMtgEmbedded = { createClient: createClient, destroyClient: function () {}, VERSION: CFG.version };
  }
  if (CFG.view === "component") { return; }

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
      cv.language = "en-US";
      cv.webHost = webHost(opts.webEndpoint);
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
})(/*ZOOM_SIM_CONFIG*/ { version: "6.2.0", view: "legacy" });
