// What a participant sees when an answer sent in place (htmx) is not received: htmx swaps nothing for an error
// response or a lost connection, so without this the button would seem to do nothing. The message goes at the top of
// the form that was sent, which is left as it was (the answer typed or chosen is still there to send again).
// Served from /static so the CSP's script-src 'self' allows it.
(function () {
  "use strict";
  var NOT_SAVED = " Det du skickade är inte sparat.";
  var MESSAGES = {
    401: "Du är inte inloggad längre. Logga in och skicka det igen." + NOT_SAVED,
    403: "Formuläret har gått ut. Ladda om sidan och försök igen." + NOT_SAVED,
    429: "Du har skickat många svar på kort tid. Vänta en stund och skicka igen." + NOT_SAVED,
    503: "Kurssajten har fler besökare än den hinner med just nu. Skicka igen om en liten stund." + NOT_SAVED
  };
  var OTHER = "Något gick fel hos oss. Försök igen om en stund." + NOT_SAVED;
  var OFFLINE = "Ingen kontakt med Kurssajten. Kontrollera din uppkoppling och skicka igen." + NOT_SAVED;

  function show(form, text) {
    if (!form || !form.prepend) return;
    var alert = form.querySelector(":scope > .request-failed");
    if (!alert) {
      alert = document.createElement("div");
      alert.className = "alert request-failed";
      alert.setAttribute("role", "alert");
      form.prepend(alert);
    }
    alert.textContent = text;
  }

  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    show(event.detail.elt, MESSAGES[status] || OTHER);
  });
  document.addEventListener("htmx:sendError", function (event) {
    show(event.detail.elt, OFFLINE);
  });
})();
