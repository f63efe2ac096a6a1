/* The wallboard: shows one page at a time and moves on every data-rotate seconds, fetches the
   page again every data-refresh seconds (a revoked or expired link then shows its refusal), and
   raises the staleness alarm when the data is older than data-stale-after minutes, also when
   the server cannot be reached. */
(function () {
  "use strict";
  var current = 0;

  function pages() { return document.querySelectorAll(".wall-page"); }

  function show(index) {
    var all = pages();
    if (!all.length) { return; }
    current = index % all.length;
    for (var i = 0; i < all.length; i++) { all[i].hidden = i !== current; }
  }

  function checkStale() {
    var body = document.body;
    var alarm = document.getElementById("wall-alarm");
    var asOf = Date.parse(body.getAttribute("data-as-of") || "");
    var limit = Number(body.getAttribute("data-stale-after")) * 60000;
    if (alarm && !isNaN(asOf) && limit) { alarm.hidden = Date.now() - asOf <= limit; }
  }

  function refresh() {
    fetch(window.location.href, { cache: "no-store", credentials: "omit" }).then(function (response) {
      return response.text().then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        if (response.ok && fresh.getElementById("wall-main")) {
          document.getElementById("wall-main").replaceWith(fresh.getElementById("wall-main"));
          document.body.setAttribute("data-as-of", fresh.body.getAttribute("data-as-of"));
          show(current);
        } else if (response.status === 403 || response.status === 410) {
          document.body.replaceChildren.apply(document.body, Array.prototype.slice.call(fresh.body.childNodes));
        }
        checkStale();
      });
    }).catch(checkStale);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var body = document.body;
    if (!document.getElementById("wall-main")) { return; }
    show(0);
    checkStale();
    setInterval(function () { show(current + 1); }, Math.max(5, Number(body.getAttribute("data-rotate")) || 20) * 1000);
    setInterval(refresh, Math.max(15, Number(body.getAttribute("data-refresh")) || 60) * 1000);
    setInterval(checkStale, 30000);
  });
})();
