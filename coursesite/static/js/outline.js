// The course outline beside a lesson (course/lesson.html). On a wide screen it stays open beside the lesson; on a
// phone (640 px or less) it folds into a drawer behind the "Kursöversikt" button. Without this file the outline is
// simply shown. Served from /static, so the CSP's script-src 'self' allows it.
(function () {
  "use strict";
  var PHONE = "(max-width: 640px)";
  function wire() {
    var button = document.getElementById("outline-toggle");
    var panel = document.getElementById("outline-panel");
    if (!button || !panel || !window.matchMedia) return;
    var phone = window.matchMedia(PHONE);
    var open = false;
    function show() {
      button.setAttribute("aria-expanded", String(open));
      panel.hidden = phone.matches && !open;
      button.hidden = !phone.matches;
    }
    button.addEventListener("click", function () {
      open = !open;
      show();
    });
    panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && phone.matches && open) {
        open = false;
        show();
        button.focus();
      }
    });
    if (phone.addEventListener) phone.addEventListener("change", show);
    else if (phone.addListener) phone.addListener(show);
    show();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", wire);
  else wire();
})();
