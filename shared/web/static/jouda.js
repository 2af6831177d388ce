// Jouda's one script: small comforts on pages that work without it.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // A link sent by e-mail carries its secret after the # (never sent to a server, never in a log):
  // it fills the form's code, and leaves the address bar.
  var code = document.getElementById("f-token");
  if (code && window.location.hash.length > 1 && !code.value) {
    code.value = decodeURIComponent(window.location.hash.slice(1));
    window.history.replaceState(null, "", window.location.pathname);
  }
  // A table wider than the page scrolls in its box: the box takes the keyboard's focus, so the
  // arrow keys reach its last columns, and is named after the table's caption or the heading before it.
  document.querySelectorAll(".table-wrap").forEach(function (box) {
    if (box.scrollWidth > box.clientWidth + 1) {
      var table = box.querySelector("table");
      var caption = table && table.caption ? table.caption.textContent : "";
      var heading = box.previousElementSibling;
      while (heading && !/^H[1-6]$/.test(heading.tagName)) { heading = heading.previousElementSibling; }
      box.setAttribute("tabindex", "0");
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", (caption || (heading ? heading.textContent : document.title)).trim());
    }
  });
  // What was refused is read first: focus moves to it.
  var refused = document.getElementById("refused");
  if (refused) { refused.focus(); }
  // A step that cannot be undone asks first.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
  // A form sent once is not sent again by a second click while the page loads.
  document.querySelectorAll("form[method=post]").forEach(function (form) {
    form.addEventListener("submit", function () {
      window.setTimeout(function () {
        form.querySelectorAll("button[type=submit]").forEach(function (button) { button.disabled = true; });
      }, 0);
    });
  });
});
