// orgstack console: progressive enhancement only. Every action is a plain
// form post; this script opens dialogs, reveals the typed confirmation and
// enables its button only once the word is typed.
(function () {
  "use strict";
  document.addEventListener("click", function (e) {
    var opener = e.target.closest("[data-open]");
    if (opener) {
      var d = document.getElementById(opener.getAttribute("data-open"));
      if (d && d.showModal) { d.showModal(); var f = d.querySelector("input:not([type=hidden]):not([hidden])"); if (f) f.focus(); }
      return;
    }
    var closer = e.target.closest("[data-close]");
    if (closer) { var dlg = closer.closest("dialog"); if (dlg) dlg.close(); }
  });
  document.addEventListener("change", function (e) {
    var t = e.target;
    if (t.matches("[data-reveal]")) {
      var area = document.getElementById(t.getAttribute("data-reveal"));
      if (area) { area.hidden = !t.checked; if (t.checked) { var i = area.querySelector("input"); if (i) i.focus(); } }
      update(t.closest("form"));
    }
    if (t.matches("select[data-autosubmit]")) {
      var form = t.closest("form");
      var next = form.querySelector("input[name=next]");
      if (next && !next.value) next.value = location.pathname + location.search;
      form.submit();
    }
  });
  document.addEventListener("input", function (e) {
    if (e.target.matches("[data-confirm-word]")) update(e.target.closest("form"));
  });
  function update(form) {
    if (!form) return;
    var input = form.querySelector("[data-confirm-word]");
    var button = form.querySelector("[data-confirm-submit]");
    if (!input || !button) return;
    var area = input.closest("[hidden]");
    button.disabled = !!area || input.value.trim() !== input.getAttribute("data-confirm-word");
  }
})();
