/* Maps of the feedback pages (Leaflet, served from this site).
 * [data-map-picker]: a tap puts the pin and fills #id_latitude / #id_longitude; typing there moves it.
 * [data-map-list]: a pin for every element with data-lat / data-lng on the page.
 * Drawn from the platform's own data, no outside server: the country outline (data-country-url) and
 * the province's area and border (data-province-url). Under them, the province's own tiles when
 * configured: an XYZ tile server (data-tile-url, MAP_TILE_URL) or a raster PMTiles archive
 * (data-pmtiles-url, MAP_PMTILES_URL). Without JavaScript the coordinates are typed. */
(function () {
  "use strict";
  if (!window.L) {
    return;
  }

  function loadJSON(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) {
        throw new Error(response.status);
      }
      return response.json();
    });
  }

  function baseLayer(element, map) {
    if (element.dataset.pmtilesUrl && window.pmtiles) {
      var archive = new pmtiles.PMTiles(element.dataset.pmtilesUrl);
      pmtiles.leafletRasterLayer(archive, { maxZoom: 19 }).addTo(map);
    } else if (element.dataset.tileUrl) {
      L.tileLayer(element.dataset.tileUrl, { maxZoom: 19 }).addTo(map);
    } else {
      element.classList.add("feedback-map-plain");
    }
  }

  /* The outlines; `fit` is called with the province's bounds once they are known. */
  function outlines(element, map, fit) {
    var tiled = Boolean(element.dataset.pmtilesUrl || element.dataset.tileUrl);
    if (element.dataset.countryUrl) {
      loadJSON(element.dataset.countryUrl).then(function (data) {
        L.geoJSON(data, {
          interactive: false,
          style: { color: "#7d8c80", weight: 1, fillColor: "#f7f5ee", fillOpacity: tiled ? 0 : 1 }
        }).addTo(map).bringToBack();
      }).catch(function () {});
    }
    if (element.dataset.provinceUrl) {
      loadJSON(element.dataset.provinceUrl).then(function (data) {
        var area = L.geoJSON(data, {
          interactive: false,
          filter: function (feature) { return feature.properties.role === "area"; },
          style: { stroke: false, fillColor: "#fff8d6", fillOpacity: tiled ? 0.15 : 1 }
        }).addTo(map);
        L.geoJSON(data, {
          interactive: false,
          filter: function (feature) { return feature.properties.role === "border"; },
          style: { color: "#b3261e", weight: 2, dashArray: "6 4", fill: false }
        }).addTo(map);
        fit(area.getBounds());
      }).catch(function () {});
    }
  }

  function makeMap(element, zoom) {
    var lat = parseFloat(element.dataset.lat);
    var lng = parseFloat(element.dataset.lng);
    var map = L.map(element, { attributionControl: false }).setView([lat, lng], zoom);
    baseLayer(element, map);
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
        if (!map.getBounds().contains([lat, lng])) {
          map.panTo([lat, lng]);
        }
      }
    }

    map.on("click", function (event) {
      place(event.latlng.lat, event.latlng.lng);
      fill(event.latlng.lat, event.latlng.lng);
    });
    latInput.addEventListener("change", fromInputs);
    lngInput.addEventListener("change", fromInputs);
    fromInputs();
    outlines(element, map, function (bounds) {
      if (marker) {
        /* The province and the pin given (e.g. refused as outside the province) in view. */
        map.fitBounds(L.latLngBounds([bounds.getSouthWest(), bounds.getNorthEast(), marker.getLatLng()]), {
          padding: [20, 20]
        });
      } else {
        /* The whole province in view, around a point inside it (a tap at the centre is accepted). */
        map.setView(map.getCenter(), map.getBoundsZoom(bounds));
      }
    });
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
    /* Without tiles, a closer view would show nothing but the province's colour. */
    var closest = element.dataset.pmtilesUrl || element.dataset.tileUrl ? 15 : 11;
    if (bounds.length > 1) {
      map.fitBounds(bounds, { padding: [20, 20], maxZoom: closest });
    } else if (bounds.length === 1) {
      map.setView(bounds[0], closest);
    }
    outlines(element, map, function (province) {
      if (!bounds.length) {
        map.fitBounds(province);
      }
    });
  }

  document.querySelectorAll("[data-map-picker]").forEach(picker);
  document.querySelectorAll("[data-map-list]").forEach(list);
})();
