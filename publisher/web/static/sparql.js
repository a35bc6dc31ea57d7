// Comforts for the query page; everything works without this file.
// - Ctrl+Enter (Cmd+Enter) runs the query.
// - A query too long for a URL is sent by POST (servers limit request lines, gunicorn's to
//   about 4 KB); the page then still offers the permalink, which some servers may refuse.
(function () {
  "use strict";
  var MAX_URL = 4000;
  var form = document.querySelector("form.sparql-editor");
  if (!form) return;
  var editor = form.querySelector("textarea[name=query]");
  var shortcut = form.querySelector("[data-shortcut]");
  if (shortcut) shortcut.hidden = false;

  // The preset PREFIX lines fill the editor: show the query itself.
  var lines = editor.value.split("\n");
  var first = 0;
  while (first < lines.length && /^\s*(PREFIX|BASE|#|$)/i.test(lines[first])) first++;
  var lineHeight = parseFloat(window.getComputedStyle(editor).lineHeight) || 18;
  if (first > 3) editor.scrollTop = (first - 2) * lineHeight;

  editor.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      if (form.requestSubmit) form.requestSubmit(); else form.submit();
    }
  });

  form.addEventListener("submit", function () {
    var length = form.action.length + 1;
    Array.prototype.forEach.call(form.elements, function (field) {
      if (field.name && field.value) length += field.name.length + 2 + encodeURIComponent(field.value).length;
    });
    form.method = length > MAX_URL ? "post" : "get";
  });
})();
