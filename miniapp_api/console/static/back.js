// 返回上一页 on the error page goes back in the browser's history, so the page before comes back with what was
// typed in its form; opened without a page before (a bookmark, a new tab), the link's own address is followed.
document.addEventListener("click", function (event) {
  var link = event.target.closest("a[data-back]");
  if (link && window.history.length > 1) {
    event.preventDefault();
    window.history.back();
  }
});
