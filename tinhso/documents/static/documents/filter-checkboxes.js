// A long list of check boxes (the agencies of a province and of the national directory, in the
// hundreds) gets a search box: typing part of a name or code, with or without accents, keeps only
// the matching agencies; the ones already ticked always stay in sight. Without JavaScript the
// list works alone.
(function () {
  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[đĐ]/g, "d").toLowerCase();
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-filter-list]").forEach(function (box) {
      var list = document.getElementById(box.getAttribute("data-filter-list"));
      var input = box.querySelector("input");
      var status = box.querySelector("[role=status]");
      if (!list || !input) {
        return;
      }
      var items = Array.prototype.slice.call(list.children);
      box.hidden = false;
      input.addEventListener("input", function () {
        var query = fold(input.value.trim());
        var shown = 0;
        items.forEach(function (item) {
          var ticked = item.querySelector("input:checked") !== null;
          var keep = !query || ticked || fold(item.textContent).indexOf(query) !== -1;
          item.hidden = !keep;
          shown += keep ? 1 : 0;
        });
        status.textContent = query ? status.getAttribute("data-template").replace("{count}", shown) : "";
      });
    });
  });
})();
