// Polls the run's status endpoint and updates the progress bar; reloads once the run has
// finished so that the page shows the warnings, figures and documents from the server.
(function () {
  "use strict";
  var box = document.getElementById("run-progress");
  if (!box) { return; }
  var url = box.getAttribute("data-status-url");
  var bar = box.querySelector(".bar");
  var pct = document.getElementById("run-percent");
  var stage = document.getElementById("run-stage");
  var state = document.getElementById("run-status");
  var delay = 1000;
  function show(data) {
    bar.style.width = data.percent + "%";
    box.setAttribute("aria-valuenow", String(data.percent));
    pct.textContent = data.percent + "%";
    stage.textContent = data.stage_label || "";
    state.textContent = data.status_label;
    state.className = "badge " + data.status;
    box.className = "progress " + data.status;
  }
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
      .then(function (data) {
        show(data);
        if (data.finished) { window.location.reload(); return; }
        delay = 1000;
        window.setTimeout(poll, delay);
      })
      .catch(function () { delay = Math.min(delay * 2, 15000); window.setTimeout(poll, delay); });
  }
  if (box.getAttribute("data-finished") !== "1") { window.setTimeout(poll, 500); }
})();
