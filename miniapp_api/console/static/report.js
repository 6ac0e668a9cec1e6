// A report being built: ask its progress every 2 seconds and move the bar in place (a meta refresh would reload
// the whole page, which screen readers and axe treat as a barrier); once it is made or has failed, load the page
// once more to show the download link or the message.
(function () {
  var bar = document.getElementById("progress");
  var done = document.getElementById("rows-done");
  if (!bar || !bar.dataset.poll) return;
  var timer = setInterval(function () {
    fetch(bar.dataset.poll, {credentials: "same-origin"}).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (state) {
      if (!state) return;
      bar.value = state.rows_done;
      done.textContent = state.rows_done;
      if (state.finished) {
        clearInterval(timer);
        window.location.reload();
      }
    }).catch(function () { /* the next tick tries again */ });
  }, 2000);
})();
