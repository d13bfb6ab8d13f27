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
    // "Copy" beside a secret shown once (a new API token): only where the clipboard can be
    // written (a secure context); elsewhere the button stays hidden and the text is
    // selected by hand.
    document.querySelectorAll("button[data-copy]").forEach(function (btn) {
      if (!navigator.clipboard || !window.isSecureContext) { return; }
      btn.hidden = false;
      btn.addEventListener("click", function () {
        var src = document.querySelector(btn.getAttribute("data-copy"));
        var status = document.getElementById(btn.id + "-status");
        if (!src) { return; }
        navigator.clipboard.writeText(src.textContent.trim()).then(function () {
          if (status) { status.textContent = btn.getAttribute("data-copied") || ""; }
        }, function () {
          // Refused (permissions): select the text so that it can be copied by hand.
          var range = document.createRange(); range.selectNodeContents(src);
          var sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(range);
        });
      });
    });
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
    // The page writes each one's first text; its days come from `countdown-days` in the
    // reader's language (<html data-countdown-days>, "{d}" the number).
    var daysPattern = document.documentElement.getAttribute("data-countdown-days") || "{d}d";
    tick(); setInterval(tick, 1000);
    window.lecternCountdowns = tick;
    function tick() {
      document.querySelectorAll("[data-countdown]").forEach(function (el) {
        var target = Date.parse(el.getAttribute("data-countdown"));
        if (isNaN(target)) { return; }
        var left = Math.max(0, Math.floor((target - Date.now()) / 1000));
        var d = Math.floor(left / 86400), h = Math.floor(left % 86400 / 3600), m = Math.floor(left % 3600 / 60), s = left % 60;
        var text = (d ? daysPattern.replace("{d}", String(d)) + " " : "") + pad(h) + ":" + pad(m) + ":" + pad(s);
        if (el.textContent !== text) { el.textContent = text; }
      });
    }
    function pad(n) { return n < 10 ? "0" + n : "" + n; }

    document.querySelectorAll("[data-upload-url]").forEach(uploader);
    document.querySelectorAll("[data-attach-url]").forEach(attacher);
    document.querySelectorAll("video[data-watch-url]").forEach(watchReports);
  });

  // A post's attachment: uploaded as soon as it is chosen (the body is the file), its id
  // put into the form's hidden field; the message being written is never touched.
  function attacher(box) {
    var input = box.querySelector("[data-attach-input]");
    var id = box.querySelector("[data-attach-id]");
    var status = box.querySelector("[data-attach-status]");
    var error = box.querySelector("[data-attach-error]");
    box.querySelector("[data-attach-label]").hidden = false;
    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      error.hidden = true; id.value = ""; status.textContent = "";
      if (!file) { return; }
      var max = Number(box.getAttribute("data-max"));
      if (max && file.size > max) {
        error.textContent = box.getAttribute("data-too-large"); error.hidden = false; input.value = ""; return;
      }
      var xhr = new XMLHttpRequest();
      xhr.open("POST", box.getAttribute("data-attach-url"));
      xhr.setRequestHeader("x-csrf-token", box.getAttribute("data-csrf"));
      xhr.setRequestHeader("x-file-name", encodeURIComponent(file.name));
      xhr.setRequestHeader("content-type", "application/octet-stream");
      status.textContent = box.getAttribute("data-uploading");
      xhr.addEventListener("load", function () {
        var body = {};
        try { body = JSON.parse(xhr.responseText); } catch (e) { body = {}; }
        if (xhr.status >= 200 && xhr.status < 300 && body.id) {
          id.value = String(body.id); status.textContent = body.name + " (" + body.size_text + ")"; return;
        }
        status.textContent = ""; input.value = "";
        error.textContent = body.detail || body.message || box.getAttribute("data-failed"); error.hidden = false;
      });
      xhr.addEventListener("error", function () {
        status.textContent = ""; input.value = "";
        error.textContent = box.getAttribute("data-failed"); error.hidden = false;
      });
      xhr.send(file);
    });
  }

  // Leaving the page would cut an upload off: the browser asks first.
  function stay(e) { e.preventDefault(); e.returnValue = ""; }

  // An upload: the file is the request body (streamed by the browser, never read into
  // memory here), with a progress bar and Cancel. On success the page reloads to show it.
  function uploader(box) {
    var input = box.querySelector("[data-upload-input]");
    var status = box.querySelector("[data-upload-status]");
    var bar = box.querySelector("[data-upload-progress]");
    var percent = box.querySelector("[data-upload-percent]");
    var cancel = box.querySelector("[data-upload-cancel]");
    var error = box.querySelector("[data-upload-error]");
    var notice = box.querySelector("[data-upload-notice]");
    var xhr = null;
    function say(el, text) { error.hidden = true; notice.hidden = true; if (el) { el.textContent = text; el.hidden = false; } }
    cancel.addEventListener("click", function () { if (xhr) { xhr.abort(); } });
    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      if (!file) { return; }
      say(null);
      var max = Number(box.getAttribute("data-max"));
      if (max && file.size > max) { say(error, box.getAttribute("data-too-large")); input.value = ""; return; }
      xhr = new XMLHttpRequest();
      xhr.open("POST", box.getAttribute("data-upload-url"));
      xhr.setRequestHeader("x-csrf-token", box.getAttribute("data-csrf"));
      xhr.setRequestHeader("x-file-name", encodeURIComponent(file.name));
      xhr.setRequestHeader("content-type", "application/octet-stream");
      // Every byte sent: the server is storing it, and cancelling now could not promise
      // that nothing was kept.
      var sent = false;
      xhr.upload.addEventListener("load", function () {
        sent = true; cancel.hidden = true; percent.textContent = box.getAttribute("data-processing");
      });
      xhr.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable) { return; }
        var p = Math.floor(e.loaded * 100 / e.total);
        bar.value = p; percent.textContent = p + " %";
      });
      function done() {
        xhr = null; status.hidden = true; cancel.hidden = false; input.disabled = false; input.value = "";
        window.removeEventListener("beforeunload", stay);
      }
      xhr.addEventListener("load", function () {
        var ok = xhr.status >= 200 && xhr.status < 300, body = {};
        try { body = JSON.parse(xhr.responseText); } catch (e) { body = {}; }
        done();
        if (ok) { say(notice, box.getAttribute("data-done")); window.location.reload(); return; }
        say(error, body.detail || body.message || box.getAttribute("data-failed"));
      });
      xhr.addEventListener("error", function () { done(); say(error, box.getAttribute("data-failed")); });
      xhr.addEventListener("abort", function () {
        done(); say(notice, box.getAttribute(sent ? "data-maybe-stored" : "data-cancelled"));
      });
      window.addEventListener("beforeunload", stay);
      bar.value = 0; percent.textContent = "0 %"; status.hidden = false; input.disabled = true;
      xhr.send(file);
    });
  }

  // How much of a video was watched: the ranges played are sent every 15 s and when
  // playback stops or the page goes away (keepalive: the request outlives the page).
  function watchReports(video) {
    var url = video.getAttribute("data-watch-url"), csrf = video.getAttribute("data-csrf");
    var ranges = [], from = null, last = null;
    function close() { if (from !== null && last > from) { ranges.push([from, last]); } from = null; }
    // A range starts where playback starts, not at the first timeupdate (up to 250 ms on).
    video.addEventListener("playing", function () { close(); from = last = video.currentTime; });
    video.addEventListener("timeupdate", function () {
      var t = video.currentTime;
      if (video.paused || video.seeking) { return; }
      // A jump (seeking) closes the range; playing on extends it.
      if (from === null || t < last || t - last > 2) { close(); from = t; }
      last = t;
    });
    // Stopping ends the range where it stopped: the timeupdate pausing fires comes when
    // the video is already paused, so the last one counted can be 250 ms earlier.
    ["pause", "ended"].forEach(function (ev) {
      video.addEventListener(ev, function () {
        var t = video.currentTime;
        if (from !== null && t > last && t - last <= 2) { last = t; }
        close(); send();
      });
    });
    // Seeking has already moved currentTime: the range ends at the last time played.
    video.addEventListener("seeking", function () { close(); send(); });
    function send() {
      if (from !== null && last > from) { ranges.push([from, last]); from = last; }
      // A WebM recorded in a browser has no duration in its header: it reads Infinity until
      // playback reaches the end. The ranges wait for it (a report needs a duration).
      if (!ranges.length || !isFinite(video.duration) || !(video.duration > 0)) { return; }
      var body = JSON.stringify({ duration: video.duration, ranges: ranges });
      ranges = [];
      try {
        fetch(url, { method: "POST", keepalive: true, credentials: "same-origin",
          headers: { "content-type": "application/json", "x-csrf-token": csrf }, body: body })
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (answer) { if (answer && answer.completed) { completed(video); } })
          .catch(function () {});
      } catch (e) { /* a report lost is a few seconds not counted */ }
    }
    setInterval(send, 15000);
    document.addEventListener("visibilitychange", function () { if (document.visibilityState === "hidden") { send(); } });
    window.addEventListener("pagehide", send);
  }

  // The report that completed the lesson: the page says so as a reload would render it
  // (the lesson's notice in place of its rule, the outline's tick).
  function completed(video) {
    var rule = document.getElementById("completion-rule");
    if (rule && !document.getElementById("lesson-completed")) {
      var notice = document.createElement("p");
      notice.className = "notice";
      notice.id = "lesson-completed";
      notice.setAttribute("role", "status");
      notice.textContent = video.getAttribute("data-completed-text");
      rule.parentNode.replaceChild(notice, rule);
    }
    var li = document.querySelector('#outline li[data-lesson-id="' + video.getAttribute("data-lesson-id") + '"]');
    if (li && !li.classList.contains("done")) {
      li.classList.add("done");
      var tick = li.querySelector(".tick");
      if (tick) { tick.textContent = "\u2713"; }
      var link = li.querySelector("a") || tick;
      if (link) {
        var done = document.createElement("span");
        done.className = "muted";
        done.textContent = video.getAttribute("data-done-text");
        link.insertAdjacentElement("afterend", done);
        link.insertAdjacentText("afterend", " ");
      }
    }
  }
})();
