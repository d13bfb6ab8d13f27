// The embedded join: asks our server for a role-0 signature, loads the Meeting SDK
// (component view) from the configured URL and joins inside the course player. While the
// host is not in, it says so and asks again every few seconds.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var btn = document.getElementById("live-join");
    if (!btn) { return; }
    var status = document.getElementById("live-status");
    var root = document.getElementById("zoom-root");
    var joining = false;
    function say(text) { status.textContent = text; }
    function loadSdk(url) {
      if (window.ZoomMtgEmbedded) { return Promise.resolve(); }
      return new Promise(function (resolve, reject) {
        var s = document.createElement("script");
        s.src = url; s.onload = resolve; s.onerror = function () { reject(new Error("sdk")); };
        document.head.appendChild(s);
      });
    }
    function ask() {
      return fetch("/api/live/" + btn.dataset.lesson + "/join", {
        method: "POST", credentials: "same-origin",
        headers: { "x-csrf-token": btn.dataset.csrf, "accept": "application/json" }
      }).then(function (r) { if (!r.ok) { throw new Error("http " + r.status); } return r.json(); });
    }
    function attempt() {
      ask().then(function (a) {
        if (a.status === "waiting") { say(btn.dataset.waiting); setTimeout(attempt, 5000); return; }
        if (a.status === "ended") { say(btn.dataset.ended); joining = false; return; }
        if (a.status !== "ready") { say(btn.dataset.unavailable); joining = false; return; }
        return loadSdk(btn.dataset.sdkUrl).then(function () {
          var client = window.ZoomMtgEmbedded.createClient();
          return client.init({ zoomAppRoot: root, language: document.documentElement.lang || "en-US" }).then(function () {
            var p = { signature: a.signature, meetingNumber: a.meetingNumber, password: a.password,
              userName: a.userName, userEmail: a.userEmail, customerKey: a.customerKey };
            if (a.obfToken) { p.obfToken = a.obfToken; }
            return client.join(p);
          }).then(function () { say(""); btn.hidden = true; });
        });
      }).catch(function () {
        joining = false;
        say(btn.dataset.failed);
      });
    }
    btn.addEventListener("click", function () {
      if (joining) { return; }
      joining = true;
      attempt();
    });
  });
})();
