/* Maps of the feedback pages (Leaflet, served from this site).
 * [data-map-picker]: a tap puts the pin and fills #id_latitude / #id_longitude; typing there moves it.
 * [data-map-list]: a pin for every element with data-lat / data-lng on the page.
 * The tile layer comes from data-tile-url (the MAP_TILE_URL setting); without it the map is a plain
 * background and the pins still work. Without JavaScript the coordinates are typed. */
(function () {
  "use strict";
  if (!window.L) {
    return;
  }

  function makeMap(element, zoom) {
    var lat = parseFloat(element.dataset.lat);
    var lng = parseFloat(element.dataset.lng);
    var map = L.map(element, { attributionControl: false }).setView([lat, lng], zoom);
    if (element.dataset.tileUrl) {
      L.tileLayer(element.dataset.tileUrl, { maxZoom: 19 }).addTo(map);
    }
    return map;
  }

  function picker(element) {
    var map = makeMap(element, 9);
    var latInput = document.getElementById("id_latitude");
    var lngInput = document.getElementById("id_longitude");
    var marker = null;

    function place(lat, lng) {
      if (marker) {
        marker.setLatLng([lat, lng]);
      } else {
        marker = L.marker([lat, lng], { draggable: true, keyboard: true }).addTo(map);
        marker.on("dragend", function () {
          var at = marker.getLatLng();
          fill(at.lat, at.lng);
        });
      }
    }

    function fill(lat, lng) {
      latInput.value = lat.toFixed(6);
      lngInput.value = lng.toFixed(6);
    }

    function fromInputs() {
      var lat = parseFloat(latInput.value.replace(",", "."));
      var lng = parseFloat(lngInput.value.replace(",", "."));
      if (isFinite(lat) && isFinite(lng)) {
        place(lat, lng);
      }
    }

    map.on("click", function (event) {
      place(event.latlng.lat, event.latlng.lng);
      fill(event.latlng.lat, event.latlng.lng);
    });
    latInput.addEventListener("change", fromInputs);
    lngInput.addEventListener("change", fromInputs);
    fromInputs();
  }

  function list(element) {
    var map = makeMap(element, 9);
    var bounds = [];
    document.querySelectorAll("[data-lat][data-lng]").forEach(function (item) {
      if (item === element) {
        return;
      }
      var at = [parseFloat(item.dataset.lat), parseFloat(item.dataset.lng)];
      var marker = L.marker(at, { title: item.dataset.title || "" }).addTo(map);
      if (item.dataset.url) {
        var link = document.createElement("a");
        link.href = item.dataset.url;
        link.textContent = item.dataset.title || item.dataset.url;
        marker.bindPopup(link);
      }
      bounds.push(at);
    });
    if (bounds.length > 1) {
      map.fitBounds(bounds, { padding: [20, 20], maxZoom: 15 });
    } else if (bounds.length === 1) {
      map.setView(bounds[0], 15);
    }
  }

  document.querySelectorAll("[data-map-picker]").forEach(picker);
  document.querySelectorAll("[data-map-list]").forEach(list);
})();
