// The call screen refreshes its numbers every 5 seconds in place (a meta refresh would reload the whole
// page, which screen readers and axe treat as a barrier). The live region stays, so new numbers are announced.
(function () {
  var region = document.getElementById("called");
  setInterval(function () {
    fetch(window.location.href, {credentials: "same-origin"}).then(function (response) {
      return response.ok ? response.text() : null;
    }).then(function (html) {
      if (!html) return;
      var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("called");
      if (fresh && fresh.innerHTML !== region.innerHTML) region.innerHTML = fresh.innerHTML;
    }).catch(function () { /* the next tick tries again */ });
  }, 5000);
})();
