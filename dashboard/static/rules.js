/* Rules editor: each threshold slider shows its value in the <output> beside it.
   Served from this server only (CSP script-src 'self'). */
(function () {
  "use strict";
  document.querySelectorAll("output[data-shows]").forEach(function (output) {
    var slider = document.getElementById(output.dataset.shows);
    var box = slider.form.elements[slider.name.replace(/\.threshold$/, ".custom")];
    function show() { output.value = Number(slider.value).toFixed(2); }
    slider.addEventListener("input", function () { show(); if (box) { box.checked = true; } });
    show();
  });
})();
