// The header menu on a phone: hidden behind a "Menu" button that opens and closes it. Without
// JavaScript (or on a wide screen) the links simply show. Loaded in <head> so the page never
// flashes the open menu.
document.documentElement.classList.add("js");
document.addEventListener("DOMContentLoaded", function () {
  var button = document.querySelector(".menu-toggle");
  var menu = document.getElementById("site-menu");
  if (!button || !menu) {
    return;
  }
  button.addEventListener("click", function () {
    var open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", open ? "true" : "false");
    menu.classList.toggle("is-open", open);
  });
});
