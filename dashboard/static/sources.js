/* Blocklist sources: while an update runs in the background, poll its state
   and show the progress; reload the page once it has finished. */
(function () {
  "use strict";
  var panel = document.getElementById("job");
  if (!panel || panel.dataset.running !== "yes") { return; }
  var detail = document.getElementById("job-detail");
  var bar = document.getElementById("job-progress");

  function poll() {
    fetch(panel.dataset.stateUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.json(); })
      .then(function (data) {
        var job = data.job;
        if (!job || job.state !== "running") { window.location.reload(); return; }
        if (detail) { detail.textContent = job.step; }
        if (job.total) { bar.max = job.total; bar.value = job.done; } else { bar.removeAttribute("value"); }
        bar.hidden = false;
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  poll();
})();
