/* Access requests: poll the waiting requests every 5 seconds and reload the
   list when one arrives or is answered elsewhere, unless a note is being typed. */
(function () {
  "use strict";
  var list = document.getElementById("requests");
  if (!list) { return; }

  function typing() {
    var field = document.activeElement;
    return field && field.tagName === "INPUT" && field.value !== "";
  }

  function poll() {
    fetch(list.dataset.stateUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (data.pending.join(",") !== list.dataset.pending && !typing()) { window.location.reload(); return; }
        window.setTimeout(poll, 5000);
      })
      .catch(function () { window.setTimeout(poll, 15000); });
  }
  window.setTimeout(poll, 5000);
})();
