// The portal's progressive enhancements; every page is right without them.
// 1. Countdowns: text the server rendered for its own clock, kept ticking here.
// 2. Files: size and type checked when chosen, before anything is sent.
// 3. The founding date: the 업력 rule told while typing (the server checks again on save).
(function () {
  "use strict";

  function remaining(until) {
    var minutes = Math.floor((until - Date.now()) / 60000);
    if (until - Date.now() <= 0) return "마감되었습니다 (closed)";
    if (minutes <= 0) return "1분 미만 남음 (under a minute left)";
    var days = Math.floor(minutes / 1440), hours = Math.floor((minutes % 1440) / 60), mins = minutes % 60;
    var ko = [], en = [];
    if (days) { ko.push(days + "일"); en.push(days + " d"); }
    if (days || hours) { ko.push(hours + "시간"); en.push(hours + " h"); }
    ko.push(mins + "분"); en.push(mins + " min");
    return ko.join(" ") + " 남음 (" + en.join(" ") + " left)";
  }

  var clocks = document.querySelectorAll(".countdown-text[data-until]");
  function tick() {
    for (var i = 0; i < clocks.length; i++) {
      clocks[i].textContent = remaining(Date.parse(clocks[i].getAttribute("data-until")));
    }
  }
  if (clocks.length) { tick(); window.setInterval(tick, 15000); }

  function fileProblem(input) {
    var file = input.files && input.files[0];
    if (!file) return "";
    var max = parseInt(input.getAttribute("data-max-bytes") || "0", 10);
    if (max && file.size > max) {
      return "파일이 " + Math.round(max / 1048576) + " MB를 넘습니다 (the file is over " +
        Math.round(max / 1048576) + " MB)";
    }
    var allowed = (input.getAttribute("data-extensions") || "").split(" ");
    var ext = file.name.indexOf(".") >= 0 ? file.name.split(".").pop().toLowerCase() : "";
    if (allowed[0] && allowed.indexOf(ext) < 0) {
      return "허용되지 않는 파일 형식입니다 (file type not accepted): " + allowed.join(", ");
    }
    if (file.size === 0) return "빈 파일입니다 (the file is empty)";
    return "";
  }

  var files = document.querySelectorAll("input[type=file][data-max-bytes]");
  for (var j = 0; j < files.length; j++) {
    (function (input) {
      var note = document.getElementById(input.id + "-check");
      function check() {
        var problem = fileProblem(input);
        input.setCustomValidity(problem);
        if (note) { note.textContent = problem; note.hidden = !problem; }
        return !problem;
      }
      input.addEventListener("change", check);
      input.form.addEventListener("submit", function (event) {
        if (!check()) { event.preventDefault(); input.focus(); }
      });
    })(files[j]);
  }

  // The registration number's check digit, as domain/brn.py computes it; the server checks again.
  var brn = document.querySelector("input[data-brn-check]");
  if (brn) {
    var brnSay = document.getElementById(brn.getAttribute("data-brn-check"));
    brn.addEventListener("input", function () {
      var digits = brn.value.replace(/[\s-]/g, "");
      if (!brnSay || digits.length < 10) { if (brnSay) brnSay.hidden = true; return; }
      var weights = [1, 3, 7, 1, 3, 7, 1, 3, 5], total = 0, ok = /^\d{10}$/.test(digits);
      if (ok) {
        for (var i = 0; i < 9; i++) total += Number(digits[i]) * weights[i];
        total += Math.floor(Number(digits[8]) * 5 / 10);
        ok = (10 - total % 10) % 10 === Number(digits[9]);
      }
      brnSay.hidden = false;
      brnSay.className = "feedback " + (ok ? "ok" : "problem");
      brnSay.textContent = ok ? "올바른 사업자등록번호 형식입니다 (the check digit matches)"
        : "사업자등록번호가 올바르지 않습니다: 10자리와 검증 숫자를 확인하세요 (10 digits with a matching check digit)";
    });
  }

  var founded = document.querySelector("input[data-earliest]");
  if (founded) {
    var say = document.getElementById(founded.id + "-live");
    founded.addEventListener("input", function () {
      if (!say || !founded.value) return;
      var late = founded.value < founded.getAttribute("data-earliest");
      var future = founded.value > founded.getAttribute("data-today");
      say.hidden = false;
      say.className = "feedback " + (late || future ? "problem" : "ok");
      say.textContent = late ? "창업 " + founded.getAttribute("data-years") + "년 이내가 아닙니다: " +
        founded.getAttribute("data-earliest") + " 이후 설립이어야 합니다 (founded too early)"
        : future ? "설립일이 미래입니다 (in the future)" : "업력 요건을 충족합니다 (within the founding rule)";
    });
  }
})();
