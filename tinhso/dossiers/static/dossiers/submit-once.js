// A form marked data-submit-once is sent once: a second click (or a double click) on its
// button does nothing while the first request is on its way, and the button says so.
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!form.hasAttribute("data-submit-once")) {
    return;
  }
  if (form.hasAttribute("data-submitting")) {
    event.preventDefault();
    return;
  }
  form.setAttribute("data-submitting", "");
  // Disabled after the browser has taken the form's data, so the button's own value is sent.
  window.setTimeout(function () {
    form.querySelectorAll("button[type=submit]").forEach(function (button) {
      button.disabled = true;
      button.setAttribute("aria-busy", "true");
    });
  }, 0);
});
// Coming back with the browser's Back button shows the form ready again.
window.addEventListener("pageshow", function () {
  document.querySelectorAll("form[data-submitting]").forEach(function (form) {
    form.removeAttribute("data-submitting");
    form.querySelectorAll("button[type=submit]").forEach(function (button) {
      button.disabled = false;
      button.removeAttribute("aria-busy");
    });
  });
});
