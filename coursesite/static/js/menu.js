// The header's menu button (base.html). Without this file the menu is always shown; with it, small screens fold
// the menu behind the button. Served from /static so the CSP's script-src 'self' allows it.
(function () {
  "use strict";
  document.documentElement.classList.add("has-menu-button");
  function wire() {
    var button = document.querySelector(".menu-button");
    var nav = document.getElementById("huvudmeny");
    if (!button || !nav) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") !== "true";
      button.setAttribute("aria-expanded", String(open));
      nav.classList.toggle("open", open);
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
        button.setAttribute("aria-expanded", "false");
        nav.classList.remove("open");
        button.focus();
      }
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", wire);
  else wire();
})();
