/* The djongo_geo map widget: no network, no library. The textarea holds the GeoJSON that the
 * form submits; the SVG map (equirectangular: x = longitude, y = -latitude) shows it, and a
 * click places the point or adds a vertex. Continents are coarse outlines, for orientation. */
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var LAND = [
    [[-168,66],[-156,71],[-128,70],[-95,72],[-80,63],[-64,60],[-56,52],[-66,44],[-76,35],[-81,25],[-90,29],[-97,26],[-97,19],[-88,15],[-78,8],[-85,11],[-105,20],[-117,32],[-124,40],[-124,48],[-135,58],[-152,59],[-165,62]],
    [[-78,8],[-60,10],[-50,0],[-35,-5],[-39,-15],[-48,-26],[-58,-38],[-65,-55],[-73,-50],[-71,-30],[-70,-18],[-81,-5],[-80,1]],
    [[-10,36],[-9,43],[-1,46],[-5,48],[2,51],[8,54],[10,57],[5,62],[15,69],[28,71],[40,67],[32,60],[40,45],[28,41],[23,36],[16,38],[12,44],[8,44],[3,43],[-5,36]],
    [[-17,21],[-10,30],[-6,36],[10,37],[32,31],[34,28],[43,12],[51,11],[40,-5],[40,-15],[35,-25],[20,-35],[17,-29],[12,-17],[9,-1],[9,4],[-8,4],[-17,14]],
    [[28,41],[36,36],[35,30],[43,13],[58,22],[60,25],[67,24],[73,20],[78,8],[88,22],[98,16],[104,1],[109,12],[107,21],[121,31],[122,40],[129,35],[142,46],[143,59],[163,60],[180,66],[180,71],[140,73],[105,78],[68,73],[40,67],[32,60],[40,45]],
    [[114,-22],[129,-15],[136,-12],[142,-11],[146,-19],[153,-26],[150,-37],[141,-38],[131,-31],[115,-34]],
    [[-73,78],[-45,83],[-20,82],[-20,70],[-44,60],[-53,66]],
    [[-5,50],[1,51],[-2,56],[-5,58],[-6,56]],
    [[130,31],[140,35],[142,40],[141,45],[139,38]],
    [[-180,-90],[180,-90],[180,-72],[-180,-72]]
  ];

  function el(name, attrs) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    return node;
  }
  function pointsAttr(positions) {
    return positions.map(function (p) { return p[0] + "," + (-p[1]); }).join(" ");
  }
  function round(value) { return Math.round(value * 1e6) / 1e6; }

  function setUp(root) {
    if (root.dataset.ready) { return; }
    root.dataset.ready = "1";
    var kind = root.dataset.geomType;
    var text = root.querySelector(".djongo-geo-geojson");
    var svg = root.querySelector(".djongo-geo-map");
    var shape = root.querySelector(".djongo-geo-shape");
    var lng = root.querySelector(".djongo-geo-lng");
    var lat = root.querySelector(".djongo-geo-lat");
    var land = root.querySelector(".djongo-geo-land");
    var graticule = root.querySelector(".djongo-geo-graticule");
    LAND.forEach(function (outline) {
      land.appendChild(el("path", {d: "M" + pointsAttr(outline).split(" ").join(" L") + " Z"}));
    });
    for (var x = -150; x <= 150; x += 30) { graticule.appendChild(el("line", {x1: x, y1: -90, x2: x, y2: 90})); }
    for (var y = -60; y <= 60; y += 30) { graticule.appendChild(el("line", {x1: -180, y1: y, x2: 180, y2: y})); }

    function read() {
      try { return text.value.trim() ? JSON.parse(text.value) : null; } catch (e) { return undefined; }
    }
    function write(geometry) {
      text.value = geometry ? JSON.stringify(geometry) : "";
      text.dispatchEvent(new Event("change", {bubbles: true}));
      draw();
    }
    function vertices(geometry) {
      if (!geometry) { return []; }
      if (geometry.type === "LineString") { return geometry.coordinates.slice(); }
      if (geometry.type === "Polygon") { return geometry.coordinates[0].slice(0, -1); }
      return [];
    }
    function fromVertices(list) {
      if (!list.length) { return null; }
      if (kind === "LineString") { return {type: "LineString", coordinates: list}; }
      return {type: "Polygon", coordinates: [list.concat([list[0]])]};
    }
    function drawGeometry(geometry) {
      if (!geometry) { return; }
      var t = geometry.type, c = geometry.coordinates;
      if (t === "Point") { shape.appendChild(el("circle", {cx: c[0], cy: -c[1], r: 2})); }
      else if (t === "MultiPoint") { c.forEach(function (p) { drawGeometry({type: "Point", coordinates: p}); }); }
      else if (t === "LineString") {
        shape.appendChild(el("polyline", {points: pointsAttr(c)}));
        c.forEach(function (p) { shape.appendChild(el("circle", {cx: p[0], cy: -p[1], r: 1})); });
      }
      else if (t === "MultiLineString") { c.forEach(function (l) { drawGeometry({type: "LineString", coordinates: l}); }); }
      else if (t === "Polygon") {
        c.forEach(function (ring) { shape.appendChild(el("polygon", {points: pointsAttr(ring)})); });
        c[0].forEach(function (p) { shape.appendChild(el("circle", {cx: p[0], cy: -p[1], r: 1})); });
      }
      else if (t === "MultiPolygon") { c.forEach(function (p) { drawGeometry({type: "Polygon", coordinates: p}); }); }
      else if (t === "GeometryCollection") { (geometry.geometries || []).forEach(drawGeometry); }
    }
    function draw() {
      while (shape.firstChild) { shape.removeChild(shape.firstChild); }
      var geometry = read();
      if (geometry === undefined) { return; }
      drawGeometry(geometry);
      if (lng && geometry && geometry.type === "Point") {
        lng.value = geometry.coordinates[0];
        lat.value = geometry.coordinates[1];
      }
    }
    svg.addEventListener("click", function (event) {
      var matrix = svg.getScreenCTM();
      if (!matrix) { return; }
      var point = svg.createSVGPoint();
      point.x = event.clientX; point.y = event.clientY;
      var at = point.matrixTransform(matrix.inverse());
      var position = [round(Math.max(-180, Math.min(180, at.x))), round(Math.max(-90, Math.min(90, -at.y)))];
      if (kind === "Point") { write({type: "Point", coordinates: position}); }
      else if (kind === "LineString" || kind === "Polygon") {
        var list = vertices(read());
        list.push(position);
        if (kind === "Polygon" && list.length < 3) {
          // Not yet a ring: keep the vertices as a line until the third one closes it.
          text.value = JSON.stringify({type: "LineString", coordinates: list});
          draw();
          return;
        }
        write(fromVertices(list));
      }
    });
    function typed() {
      if (lng.value === "" || lat.value === "") { return; }
      write({type: "Point", coordinates: [Number(lng.value), Number(lat.value)]});
    }
    if (lng) { lng.addEventListener("change", typed); lat.addEventListener("change", typed); }
    var undo = root.querySelector(".djongo-geo-undo");
    if (undo) {
      undo.addEventListener("click", function () {
        var list = vertices(read());
        list.pop();
        write(list.length ? fromVertices(list) : null);
      });
    }
    root.querySelector(".djongo-geo-clear").addEventListener("click", function () { write(null); });
    text.addEventListener("input", draw);
    draw();
  }

  function setUpAll() { document.querySelectorAll(".djongo-geo").forEach(setUp); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", setUpAll); }
  else { setUpAll(); }
  document.addEventListener("formset:added", setUpAll);
})();
