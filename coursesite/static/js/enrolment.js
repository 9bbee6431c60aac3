// The enrolment form: show the company fields only when "Företag" is chosen. Without JavaScript they are always
// shown with a note saying they are for companies only, and the server ignores them for a private person.
(function () {
  "use strict";
  var form = document.getElementById("enrol-form");
  var company = document.getElementById("company-fields");
  if (!form || !company) { return; }
  var note = company.querySelector(".company-note");
  if (note) { note.hidden = true; }
  function update() {
    var chosen = form.querySelector('input[name="customer_type"]:checked');
    company.hidden = !(chosen && chosen.value === "company");
  }
  form.querySelectorAll('input[name="customer_type"]').forEach(function (radio) {
    radio.addEventListener("change", update);
  });
  update();
})();
