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
