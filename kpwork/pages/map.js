// The planning map's behaviour; kpwork.pages.maps.region_map fills in the map's name and its data below.
// One layer of municipalities restyled (never re-added), so services, in a pane above it,
// stay on top in every view. Texts from data come escaped (popups, legends) or are set as
// text (names, tooltips, options). A big region's data come gzipped (kpwork.pages.maps._packed).
(function () {
  var map = __MAP__, packed = __DATA__;
  if (typeof packed !== 'string') { draw(packed); return; }
  var bytes = Uint8Array.from(atob(packed), function (c) { return c.charCodeAt(0); });
  new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'))).text().then(function (text) { draw(JSON.parse(text)); });

function draw(D) {
  var state = {type: D.initial, measure: D.measures[0].key, forms: {}};
  function pane(name, z, events) { map.createPane(name); map.getPane(name).style.zIndex = z; if (!events) map.getPane(name).style.pointerEvents = 'none'; }
  pane('kpAreas', 410, true); pane('kpNames', 620, false); pane('kpServices', 650, true);
  function el(tag, parent, text, cls) { var e = document.createElement(tag); if (text !== undefined && text !== null) e.textContent = text; if (cls) e.className = cls; if (parent) parent.appendChild(e); return e; }
  function info() { return D.info[state.type]; }
  // the data give each municipality's colours and tooltip in the order of D.areas (and D.names)
  var order = {};
  D.areas.features.forEach(function (f, i) { order[f.properties.kod_obce] = i; });
  function style(f) {
    var k = f.properties.kod_obce, focused = k === D.focus, c = info().colours[state.measure][order[k]];
    return {fillColor: c === undefined ? D.noData : info().palette[c], fillOpacity: 0.8, color: focused ? '#000' : '#555', weight: focused ? 3.5 : 1};
  }
  function tooltip(i) {
    var box = el('div'), values = info().tips[i], rows = el('table', null, null, 'kp-tip');
    el('b', box, D.names[i][2]);
    box.appendChild(rows);
    D.text.tip.forEach(function (label, j) {
      var tr = el('tr', rows);
      el('th', tr, label);
      el('td', tr, j === 1 ? info().coverage.replace('{v}', values[j]) : values[j]);
    });
    return box;
  }
  var areas = L.geoJSON(D.areas, {pane: 'kpAreas', renderer: L.svg({pane: 'kpAreas'}), style: style, onEachFeature: function (f, layer) {
    layer.bindTooltip(function () { return tooltip(order[f.properties.kod_obce]); }, {sticky: true});
    layer.on('mouseover', function () { layer.setStyle({weight: 3, color: '#000'}); });
    layer.on('mouseout', function () { layer.setStyle(style(f)); });
  }}).addTo(map);
  D.names.forEach(function (n) {
    var label = el('div', null, n[2]);
    L.marker([n[0], n[1]], {pane: 'kpNames', interactive: false, keyboard: false,
      icon: L.divIcon({className: 'kp-name', html: label, iconSize: [160, 18], iconAnchor: [80, 9]})}).addTo(map);
  });
  var serviceRenderer = L.svg({pane: 'kpServices'}), colours = {}, groups = {};
  D.forms.forEach(function (f) { state.forms[f.key] = true; colours[f.key] = f.colour; });
  function drawServices() {
    Object.keys(groups).forEach(function (k) { map.removeLayer(groups[k]); });
    groups = {};
    info().services.forEach(function (s) {
      if (!groups[s.forma]) groups[s.forma] = L.layerGroup();
      L.circleMarker([s.lat, s.lon], {pane: 'kpServices', renderer: serviceRenderer, radius: 8, color: '#fff', weight: 2,
        fillColor: colours[s.forma], fillOpacity: 0.95}).bindTooltip(s.tip).bindPopup(s.popup, {maxWidth: 340}).addTo(groups[s.forma]);
    });
    Object.keys(groups).forEach(function (k) { if (state.forms[k]) groups[k].addTo(map); });
  }
  var Box = L.Control.extend({onAdd: function () { var box = L.DomUtil.create('div', this.options.cls); L.DomEvent.disableClickPropagation(box); L.DomEvent.disableScrollPropagation(box); return box; }});
  var controls = new Box({position: 'topright', cls: 'kp-ctrl'}).addTo(map).getContainer();
  if (D.types.length > 1) {
    var pick = el('label', controls, null, 'kp-pick'); el('b', pick, D.text.type);
    var select = el('select', pick, null, 'kp-type');
    D.types.forEach(function (t) { el('option', select, t.label).value = t.code; });
    select.value = state.type;
    select.addEventListener('change', function () { state.type = select.value; update(); });
  }
  el('b', controls, D.text.layer);
  D.measures.forEach(function (m) {
    var row = el('label', controls, null, 'kp-row'), input = el('input', row);
    input.type = 'radio'; input.name = 'kp-measure'; input.value = m.key; input.checked = m.key === state.measure;
    input.addEventListener('change', function () { state.measure = m.key; update(); });
    el('span', row, m.label);
  });
  el('b', controls, D.text.services);
  D.forms.forEach(function (f) {
    var row = el('label', controls, null, 'kp-row'), input = el('input', row);
    input.type = 'checkbox'; input.checked = true; input.value = f.key;
    input.addEventListener('change', function () { state.forms[f.key] = input.checked; drawServices(); });
    el('i', row, null, 'kp-dot').style.background = f.colour;
    el('span', row, f.label);
  });
  var legend = new Box({position: 'bottomleft', cls: 'kp-legend'}).addTo(map).getContainer();
  var head = D.headline ? new Box({position: 'topleft', cls: 'kp-headline'}).addTo(map).getContainer() : null;
  map.zoomControl.setPosition('bottomright');
  L.control.scale({imperial: false, position: 'bottomright'}).addTo(map);
  function update() {
    areas.setStyle(style);
    legend.innerHTML = info().legends[state.measure];
    if (head) head.innerHTML = info().headline;
    drawServices();
  }
  update();
  function fit() {
    var size = map.getSize();  // never 0: L.kpFitOnResize calls this only on a sized frame
    // the shapes and names above the legend and left of the switch (both stay put in their corners)
    var left = 20, right = controls.offsetWidth + 20, top = (head ? head.offsetHeight : 0) + 20, bottom = legend.offsetHeight + 20;
    if (size.x - left - right < 240) { left = 10; right = 10; }
    if (size.y - top - bottom < 200) { top = 10; bottom = 10; }
    map.fitBounds(D.fit, {paddingTopLeft: [left, top], paddingBottomRight: [right, bottom]});
  }
  L.kpFitOnResize(map, fit);
}
})();
