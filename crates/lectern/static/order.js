// The order page while a payment is being confirmed: asks the server (which asks the
// provider) every two seconds, then every ten after a minute; once the buyer is enrolled
// it says so and opens the course. Without script, the page's own link checks again.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var el = document.getElementById("order");
    if (!el || el.getAttribute("data-status") !== "pending") { return; }
    var number = el.getAttribute("data-number");
    var started = Date.now();
    function later() {
      var waited = Date.now() - started;
      if (waited > 60000) {
        var slow = document.getElementById("order-slow");
        if (slow) { slow.hidden = false; }
      }
      if (waited > 600000) { return; }
      setTimeout(ask, waited > 60000 ? 10000 : 2000);
    }
    function ask() {
      fetch("/api/orders/" + encodeURIComponent(number), { credentials: "same-origin", cache: "no-store" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (s) {
          if (s && s.status !== "pending") {
            // The page shows the outcome ("You're enrolled", a failure, a flag).
            if (s.enrolled && s.status === "paid") {
              var msg = document.getElementById("order-confirming");
              if (msg) {
                msg.id = "order-enrolled";
                msg.className = "notice";
                msg.textContent = el.getAttribute("data-enrolled-text");
              }
              setTimeout(function () { location.replace(s.course_url); }, 1500);
            } else {
              location.reload();
            }
            return;
          }
          later();
        })
        .catch(later);
    }
    later();
  });
})();
