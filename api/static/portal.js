// The portal's progressive enhancements; every page is right without them.
// 1. Countdowns: text the server rendered for its own clock, kept ticking here.
// 2. Files: size and type checked when chosen, before anything is sent.
// 3. The founding date: the 업력 rule told while typing (the server checks again on save).
// 4. The registration number's check digit, told while typing (the server checks again).
// What it says is in the page's language: the server renders the words as JSON data in
// <script type="application/json" id="portal-words"> (portal_common.portal_words).
(function () {
  "use strict";

  var words = {};
  var holder = document.getElementById("portal-words");
  if (holder) {
    try { words = JSON.parse(holder.textContent) || {}; } catch (e) { words = {}; }
  }
  // A message with its %(name)s filled in.
  function say(key, values) {
    return String(words[key] || "").replace(/%\((\w+)\)s/g, function (whole, name) {
      return values && Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : whole;
    });
  }

  function remaining(until) {
    var minutes = Math.floor((until - Date.now()) / 60000);
    if (until - Date.now() <= 0) return say("closed");
    if (minutes <= 0) return say("underMinute");
    var days = Math.floor(minutes / 1440), hours = Math.floor((minutes % 1440) / 60), mins = minutes % 60;
    if (days) return say("leftDays", {days: days, hours: hours, minutes: mins});
    if (hours) return say("leftHours", {hours: hours, minutes: mins});
    return say("leftMinutes", {minutes: mins});
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
    if (max && file.size > max) return say("fileTooBig", {mb: Math.round(max / 1048576)});
    var allowed = (input.getAttribute("data-extensions") || "").split(" ");
    var ext = file.name.indexOf(".") >= 0 ? file.name.split(".").pop().toLowerCase() : "";
    if (allowed[0] && allowed.indexOf(ext) < 0) {
      return say("fileType", {types: allowed.join(", ")});
    }
    if (file.size === 0) return say("fileEmpty");
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
        // A form with a button of its own for the file (the application's) checks it only when
        // that button sends it: saving the draft is never held up by a file chosen but not sent.
        var sender = input.form.querySelector("[data-sends-file]");
        if (sender && event.submitter && event.submitter !== sender) return;
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
      brnSay.textContent = say(ok ? "brnOk" : "brnBad");
    });
  }

  var founded = document.querySelector("input[data-earliest]");
  if (founded) {
    var foundedSay = document.getElementById(founded.id + "-live");
    founded.addEventListener("input", function () {
      if (!foundedSay || !founded.value) return;
      var late = founded.value < founded.getAttribute("data-earliest");
      var future = founded.value > founded.getAttribute("data-today");
      foundedSay.hidden = false;
      foundedSay.className = "feedback " + (late || future ? "problem" : "ok");
      foundedSay.textContent = late ? say("foundedEarly", {years: founded.getAttribute("data-years"),
                                                           earliest: founded.getAttribute("data-earliest")})
        : say(future ? "foundedFuture" : "foundedOk");
    });
  }
})();
