// A long drop-down (the 102 one-stop centres of a province) gets a search box: typing part of a
// commune's name, with or without accents, keeps only the matching choices. Without JavaScript
// the drop-down works alone.
(function () {
  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[đĐ]/g, "d").toLowerCase();
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-filter-for]").forEach(function (box) {
      var select = document.getElementById(box.getAttribute("data-filter-for"));
      var input = box.querySelector("input");
      var status = box.querySelector("[role=status]");
      if (!select || !input) {
        return;
      }
      var options = Array.prototype.slice.call(select.options);
      box.hidden = false;
      input.addEventListener("input", function () {
        var query = fold(input.value.trim());
        var selected = select.value;
        var shown = 0;
        select.textContent = "";
        options.forEach(function (option) {
          var keep = !option.value || !query || fold(option.text).indexOf(query) !== -1;
          if (keep) {
            select.appendChild(option);
            shown += option.value ? 1 : 0;
          }
        });
        select.value = selected;
        if (select.value !== selected) {
          select.selectedIndex = 0;
        }
        if (shown === 1) {
          select.selectedIndex = options[0].value ? 0 : 1;
        }
        status.textContent = status.getAttribute("data-template").replace("{count}", shown);
      });
    });
  });
})();
