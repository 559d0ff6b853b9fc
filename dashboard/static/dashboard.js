/* Salama dashboard: small progressive enhancements; every page works without them.
   Loaded from this server only (Content-Security-Policy: script-src 'self'). */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // The language picker changes the page as soon as a language is chosen.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  // Destructive forms ask first.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
    });
  });

  // "Select all" in the alert list.
  document.querySelectorAll("input[data-select-all]").forEach(function (box) {
    box.addEventListener("change", function () {
      box.form.querySelectorAll('input[type=checkbox][name=id]').forEach(function (other) {
        other.checked = box.checked;
      });
    });
  });

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
