// Idle-timeout warning (KWCAG 2.2.1): shows the warning shortly before the session ends, with a
// live countdown; the extend button beside it is an ordinary form post that works without this.
(function () {
  var box = document.querySelector(".session-timer");
  if (!box) return;
  var ends = Date.parse(box.getAttribute("data-expires-at"));
  var warnMs = 1000 * parseInt(box.getAttribute("data-warning-seconds"), 10);
  var warning = box.querySelector(".session-warning");
  var countdown = box.querySelector(".session-countdown");
  // The words come from the page, in its language: "{minutes}분 {seconds}초 남음".
  var leftTemplate = box.getAttribute("data-left-template") || "{minutes}:{seconds}";
  function tick() {
    var left = ends - Date.now();
    if (left <= 0) { window.location.href = "/signin?expired=1"; return; }
    if (left <= warnMs) {
      warning.hidden = false;
      var s = Math.ceil(left / 1000);
      countdown.textContent = leftTemplate.replace("{minutes}", Math.floor(s / 60)).replace("{seconds}", s % 60);
    }
    window.setTimeout(tick, 1000);
  }
  tick();
})();
