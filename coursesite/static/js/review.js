/* Kurssajten: keyboard shortcuts and the running rubric sum on the instructor's review page.
   The page works without this file: every action is a link or a form. Served from /static (CSP default-src 'self'),
   no inline handlers.

   j / ArrowRight    next answer in the queue        k / ArrowLeft   previous answer
   1-9               focus criterion N               c               focus the comment
   Alt+1-9           insert bank comment N           Ctrl/Cmd+Enter  save the grade (from anywhere)
   Escape            leave the field                 ?               show or hide the shortcut list */
(function () {
  "use strict";

  var page = document.querySelector("[data-review]");
  if (!page) {
    return;
  }
  var form = document.getElementById("grade-form");
  var saveButton = document.getElementById("save-grade");
  var comment = document.getElementById("comment");
  var sumOutput = document.getElementById("rubric-sum");
  var shortcuts = document.getElementById("shortcuts");
  var criteria = Array.prototype.slice.call(page.querySelectorAll("input.criterion"));
  var bankButtons = Array.prototype.slice.call(page.querySelectorAll("button.bank-insert"));

  function isTyping(element) {
    if (!element || !element.tagName) {
      return false;
    }
    var tag = element.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || element.isContentEditable;
  }

  function parsePoints(text) {
    var cleaned = String(text).trim().replace(/\s/g, "").replace(",", ".");
    if (cleaned === "") {
      return 0;
    }
    var value = Number(cleaned);
    return isFinite(value) ? value : NaN;
  }

  function formatPoints(value) {
    // Three decimals at most, Swedish decimal comma: 4,5
    return String(Math.round(value * 1000) / 1000).replace(".", ",");
  }

  function updateSum() {
    if (!sumOutput) {
      return;
    }
    var total = 0;
    var valid = true;
    criteria.forEach(function (input) {
      var value = parsePoints(input.value);
      if (isNaN(value)) {
        valid = false;
      } else {
        total += value;
      }
    });
    sumOutput.textContent = valid ? formatPoints(total) : "–";
  }

  function insertComment(text) {
    if (!comment) {
      return;
    }
    var start = comment.selectionStart;
    var end = comment.selectionEnd;
    var value = comment.value;
    if (document.activeElement !== comment || typeof start !== "number") {
      // Not editing the comment: add the text as a new line at the end.
      comment.value = value.replace(/\s+$/, "") + (value.trim() ? "\n" : "") + text;
      start = end = comment.value.length;
    } else {
      var before = value.slice(0, start);
      var glue = before && !/\s$/.test(before) ? " " : "";
      comment.value = before + glue + text + value.slice(end);
      start = end = start + glue.length + text.length;
    }
    comment.focus();
    comment.setSelectionRange(start, end);
    comment.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function follow(id) {
    var anchor = document.getElementById(id);
    if (anchor && anchor.href) {
      window.location.assign(anchor.href);
    }
  }

  function save() {
    if (!form) {
      return;
    }
    if (typeof form.requestSubmit === "function") {
      form.requestSubmit(saveButton || undefined); // the browser checks the fields first
    } else if (saveButton) {
      saveButton.click();
    }
  }

  function toggleShortcuts() {
    if (!shortcuts) {
      return;
    }
    shortcuts.open = !shortcuts.open;
    if (shortcuts.open) {
      shortcuts.scrollIntoView({ block: "nearest" });
    }
  }

  criteria.forEach(function (input) {
    input.addEventListener("input", updateSum);
  });
  updateSum();

  bankButtons.forEach(function (button) {
    button.addEventListener("click", function (event) {
      event.preventDefault(); // without JavaScript the button posts the form and the server inserts the text
      insertComment(button.getAttribute("data-bank-text") || "");
    });
  });

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.isComposing) {
      return;
    }
    if ((event.ctrlKey || event.metaKey) && event.key === "Enter") {
      event.preventDefault();
      save();
      return;
    }
    // Alt changes event.key on many layouts (Alt+1 is "¡" on a Mac): use the physical key.
    var digit = /^(?:Digit|Numpad)([1-9])$/.exec(event.code || "");
    if (event.altKey && !event.ctrlKey && !event.metaKey && digit) {
      var button = bankButtons[Number(digit[1]) - 1];
      if (button) {
        event.preventDefault();
        insertComment(button.getAttribute("data-bank-text") || "");
      }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) {
      return;
    }
    if (isTyping(event.target)) {
      if (event.key === "Escape") {
        event.target.blur();
      }
      return;
    }
    var key = event.key;
    if (key === "j" || key === "ArrowRight") {
      event.preventDefault();
      follow("review-next");
    } else if (key === "k" || key === "ArrowLeft") {
      event.preventDefault();
      follow("review-prev");
    } else if (/^[1-9]$/.test(key)) {
      var input = criteria[Number(key) - 1];
      if (input) {
        event.preventDefault(); // the digit is not typed into the field it focuses
        input.focus();
        input.select();
      }
    } else if (key === "c" && comment) {
      event.preventDefault();
      comment.focus();
    } else if (key === "?") {
      event.preventDefault();
      toggleShortcuts();
    }
  });
})();
