// A startup's page follows changes by itself (progressive enhancement; the page's refresh link
// does the same without script): every few seconds it asks whether the read model's row moved on
// and, when it did, swaps in the page's changing part and says so to screen readers.
(function () {
  var live = document.getElementById("live");
  if (!live || !window.fetch) return;
  var note = document.querySelector(".live-note");
  var version = live.getAttribute("data-version");
  var every = 4000;

  function swap(html) {
    var focused = document.activeElement;
    var focusedId = focused && live.contains(focused) ? (focused.id || focused.getAttribute("href")) : null;
    live.innerHTML = html;
    if (focusedId) {
      var again = document.getElementById(focusedId) || live.querySelector('[href="' + focusedId + '"]');
      if (again) again.focus();
    }
    // The words are the page's own, in its language (data-updated, written by the template).
    if (note) note.textContent = note.getAttribute("data-updated") || "";
  }

  function check() {
    fetch(live.getAttribute("data-version-url"), { credentials: "same-origin", cache: "no-store" })
      .then(function (answer) { return answer.ok ? answer.json() : null; })
      .then(function (now) {
        if (!now || String(now.version) === version) return null;
        version = String(now.version);
        live.setAttribute("data-version", version);
        return fetch(live.getAttribute("data-live-url"), { credentials: "same-origin", cache: "no-store" })
          .then(function (answer) { return answer.ok ? answer.text() : null; })
          .then(function (html) { if (html) swap(html); });
      })
      .catch(function () { /* offline for a moment: the next tick asks again */ })
      .then(function () { window.setTimeout(check, every); });
  }
  window.setTimeout(check, every);
})();
