// AutoResponder console: light progressive enhancement. Everything works without it; with it, the incident list
// refreshes itself. The server renders (and encodes) the fragment; this only swaps it in.
(function () {
  "use strict";
  var rows = document.getElementById("incident-rows");
  if (!rows || !window.fetch) return;
  var url = rows.getAttribute("data-poll");
  var stamp = document.getElementById("updated");
  var last = null;
  var busy = false;
  var signedOut = false;
  function poll() {
    if (busy || signedOut || document.hidden) return;
    busy = true;
    fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) {
        if (r.status === 401) { signedOut = true; throw new Error("signed out"); }
        if (!r.ok) throw new Error(r.status);
        return r.text();
      })
      .then(function (html) {
        if (html !== last) {
          var focused = document.activeElement && rows.contains(document.activeElement);
          rows.innerHTML = html;
          last = html;
          if (focused) rows.focus();
        }
        if (stamp) stamp.textContent = "Updated " + new Date().toLocaleTimeString() + ".";
      })
      .catch(function () {
        if (stamp) stamp.textContent = signedOut ? "Your session has ended: reload the page to sign in again." : "Could not refresh; retrying.";
      })
      .then(function () { busy = false; });
  }
  setInterval(poll, 3000);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) poll(); });
})();
