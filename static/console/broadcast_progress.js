/* The live progress bar of a broadcast: polls its JSON (sent / skipped / failed of the total,
   pace, time left) every few seconds while it is being sent, once otherwise. */
(function () {
  "use strict";
  var box = document.getElementById("progress");
  if (!box) { return; }
  var POLL_MS = 3000;
  var STILL_MOVING = ["scheduled", "sending", "paused"];
  window.broadcastProgress = {polls: 0, last: null};

  function show(figures) {
    ["sent", "skipped", "failed"].forEach(function (part) {
      box.querySelector('[data-part="' + part + '"]').style.width = figures.percent[part] + "%";
    });
    box.querySelector('[data-field="summary"]').textContent =
      figures.status_label + "：" + figures.summary;
    box.querySelector('[data-field="pace"]').textContent = figures.pace;
  }

  function poll() {
    fetch(box.dataset.url, {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (answer) { return answer.json(); })
      .then(function (figures) {
        window.broadcastProgress.polls += 1;
        window.broadcastProgress.last = figures;
        show(figures);
        if (STILL_MOVING.indexOf(figures.status) >= 0) { setTimeout(poll, POLL_MS); }
      })
      .catch(function () { setTimeout(poll, POLL_MS * 2); });
  }

  poll();
}());
