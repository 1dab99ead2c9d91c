// The offline map: Natural Earth country borders (world-atlas TopoJSON) and the graph's located items.
(function () {
  var el = document.getElementById("map");
  if (!el || !window.L) return;
  var map = L.map(el, {worldCopyJump: true, attributionControl: true}).setView([29, 33], 4);
  map.attributionControl.setPrefix("Leaflet");
  window.kgMap = map;
  window.kgMarkers = [];
  // borders in their own pane under the markers (they arrive in any order); Leaflet positions in LTR
  map.createPane("borders").style.zIndex = 350;
  function json(url) { return fetch(url).then(function (r) { return r.json(); }); }
  var borders = json(el.dataset.boundaries).then(function (topo) {
    var countries = topojson.feature(topo, topo.objects.countries);
    L.geoJSON(countries, {
      style: {color: "#7a7a7a", weight: 0.8, fillColor: "#f3efe4", fillOpacity: 1},
      interactive: false, pane: "borders"
    }).addTo(map);
    map.attributionControl.addAttribution("Natural Earth");
  });
  var items = json(el.dataset.geojson).then(function (data) {
    var layer = L.geoJSON(data, {
      pointToLayer: function (feature, latlng) {
        var infra = feature.properties.infrastructure;
        return L.circleMarker(latlng, {
          radius: infra ? 8 : 5, weight: 2, color: infra ? "#b3261e" : "#1f4e8c",
          fillColor: infra ? "#e8594f" : "#4f7fc0", fillOpacity: 0.9,
          className: infra ? "kg-marker kg-infrastructure" : "kg-marker kg-place"
        });
      },
      style: function () { return {color: "#b3261e", weight: 3, dashArray: "6 4"}; },
      onEachFeature: function (feature, layer) {
        var p = feature.properties;
        var a = document.createElement("a");
        a.href = p.path + location.search;
        a.textContent = p.label;
        a.lang = p.lang; a.dir = p.dir;
        layer.bindTooltip(a, {permanent: !!p.infrastructure, interactive: true, direction: "top", className: "kg-tooltip"});
        layer.bindPopup(a.cloneNode(true));
        layer.feature = feature;
        window.kgMarkers.push(layer);
      }
    }).addTo(map);
    var bounds = layer.getBounds();
    if (bounds.isValid()) map.fitBounds(bounds.pad(0.5), {maxZoom: 7, animate: false});
  });
  Promise.all([borders, items]).then(function () { el.setAttribute("data-ready", "true"); });
})();
