// A region of a console page that keeps itself current by short polling, like the call screen (screen.js):
// every 5 seconds it asks its JSON endpoint for the region's version (the forms' CSRF tokens differ on every
// answer, so the HTML itself cannot be compared) and swaps the region's HTML in place only when it changed,
// so the rest of the page (and anything typed there) stays as it is. While the keyboard focus is inside the
// region the swap waits, so a clerk tabbing to a button never loses it. What changed is told to screen readers
// through a polite status line.
(function () {
  var region = document.querySelector("[data-refresh-url]");
  if (!region) return;
  var status = document.getElementById(region.getAttribute("data-refresh-status"));
  var last = region.getAttribute("data-refresh-version");
  function tick() {
    fetch(region.getAttribute("data-refresh-url"), {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (fresh) {
        if (!fresh) return;
        if (fresh.version === last) return;
        if (region.contains(document.activeElement)) return;   // try again on the next tick
        region.innerHTML = fresh.html;
        last = fresh.version;
        if (status) status.textContent = fresh.summary;
      })
      .catch(function () { /* the next tick tries again */ });
  }
  setInterval(tick, 5000);
})();
