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
  function poll() {
    if (busy || document.hidden) return;
    busy = true;
    fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.text(); })
      .then(function (html) {
        if (html !== last) {
          var focused = document.activeElement && rows.contains(document.activeElement);
          rows.innerHTML = html;
          last = html;
          if (focused) rows.focus();
        }
        if (stamp) stamp.textContent = "Updated " + new Date().toLocaleTimeString() + ".";
      })
      .catch(function () { if (stamp) stamp.textContent = "Could not refresh; retrying."; })
      .then(function () { busy = false; });
  }
  setInterval(poll, 3000);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) poll(); });
})();
