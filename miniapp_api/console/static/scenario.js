/* The scenario editor: a question's choices show only when it is answered by choosing. The form works the same
   without this (the choices are then always shown). */
document.querySelectorAll(".scenario-form select.kind").forEach(function (select) {
  var options = document.getElementById(select.name.replace(/\./g, "-").replace(/-kind$/, "-options"));
  function show() { if (options) { options.hidden = select.value !== "choice"; } }
  select.addEventListener("change", show);
  show();
});
