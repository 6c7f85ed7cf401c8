(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var tip = document.getElementById("tip");
  var PAD = {t: 10, r: 14, b: 26, l: 76};
  var MAX_SINGLE_MARKERS = 3000; // beyond this each marker kind is one path, not one node each
  var DAY = 86400000;
  var TIME_STEPS = [1, 5, 15, 30, 60, 180, 360, 720, 1440, 2880, 10080, 20160, 43200, 129600,
    259200, 525600].map(function (m) { return m * 60000; });

  function el(parent, name, attrs) {
    var node = document.createElementNS(parent.namespaceURI, name);
    for (var key in attrs) node.setAttribute(key, attrs[key]);
    parent.appendChild(node);
    return node;
  }
  function iso(ms) { return new Date(ms).toISOString().slice(0, 16).replace("T", " "); }
  function num(v, digits) {
    var options = {minimumFractionDigits: digits, maximumFractionDigits: digits};
    return v.toLocaleString("en-US", options);
  }
  function digitsFor(step) { return Math.max(0, Math.min(8, -Math.floor(Math.log10(step)))); }
  function bisect(xs, x) {
    var lo = 0, hi = xs.length;
    while (lo < hi) { var mid = (lo + hi) >> 1; if (xs[mid] < x) lo = mid + 1; else hi = mid; }
    return lo;
  }
  function nearest(xs, x) {
    var i = Math.min(bisect(xs, x), xs.length - 1);
    return i > 0 && x - xs[i - 1] < xs[i] - x ? i - 1 : i;
  }
  function extent(values, lo, hi) {
    for (var i = 0; i < values.length; i++) {
      if (values[i] < lo) lo = values[i];
      if (values[i] > hi) hi = values[i];
    }
    return [lo, hi];
  }

  function frame(svg, height, x0, x1, y0, y1, yLabel) {
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    var w = Math.max(svg.parentNode.clientWidth, 320);
    svg.setAttribute("viewBox", "0 0 " + w + " " + height);
    if (!(x1 > x0)) { x0 -= 30 * 60000; x1 = x0 + 60 * 60000; }
    var pad = y1 > y0 ? (y1 - y0) * 0.06 : Math.max(Math.abs(y0) * 0.01, 1e-6);
    y0 -= pad; y1 += pad;
    var iw = w - PAD.l - PAD.r, ih = height - PAD.t - PAD.b;
    var f = {
      w: w, h: height,
      x: function (t) { return PAD.l + (t - x0) / (x1 - x0) * iw; },
      y: function (v) { return PAD.t + (y1 - v) / (y1 - y0) * ih; },
      t: function (px) { return x0 + (px - PAD.l) / iw * (x1 - x0); }
    };
    var grid = el(svg, "g", {"class": "grid"});
    var raw = (y1 - y0) / Math.max(2, ih / 44), mag = Math.pow(10, Math.floor(Math.log10(raw)));
    var step = mag * (raw / mag <= 2 ? 2 : raw / mag <= 5 ? 5 : 10);
    for (var v = Math.ceil(y0 / step) * step; v <= y1; v += step) {
      var y = f.y(v);
      el(grid, "line", {x1: PAD.l, x2: w - PAD.r, y1: y, y2: y});
      el(grid, "text", {x: PAD.l - 8, y: y + 4, "class": "ylabel"}).textContent = yLabel(v, step);
    }
    var tStep = TIME_STEPS[TIME_STEPS.length - 1];
    for (var i = 0; i < TIME_STEPS.length; i++) {
      if ((x1 - x0) / TIME_STEPS[i] <= iw / 130) { tStep = TIME_STEPS[i]; break; }
    }
    for (var t = Math.ceil(x0 / tStep) * tStep; t <= x1; t += tStep) {
      var x = f.x(t);
      el(grid, "line", {x1: x, x2: x, y1: PAD.t, y2: height - PAD.b});
      el(grid, "text", {x: x, y: height - PAD.b + 17, "class": "xlabel"}).textContent =
        tStep >= DAY ? iso(t).slice(0, 10) : iso(t).slice(5);
    }
    el(grid, "line", {x1: PAD.l, x2: w - PAD.r, y1: height - PAD.b, y2: height - PAD.b,
      "class": "axis"});
    return f;
  }

  function empty(svg, height, message) {
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    var w = Math.max(svg.parentNode.clientWidth, 320);
    svg.setAttribute("viewBox", "0 0 " + w + " " + height);
    el(svg, "text", {x: w / 2, y: height / 2, "class": "empty-chart"}).textContent = message;
    svg.hover = null;
  }

  function linePath(f, pts, yOf) {
    var d = [];
    for (var i = 0; i < pts.length; i++) {
      d.push((i ? "L" : "M") + f.x(pts[i][0]).toFixed(1) + "," + f.y(yOf(pts[i])).toFixed(1));
    }
    return d.join("");
  }

  function overlay(svg, f) {
    var g = el(svg, "g", {"class": "hover", visibility: "hidden"});
    svg.cross = el(g, "line", {y1: PAD.t, y2: f.h - PAD.b});
    svg.dot = el(g, "circle", {r: 3.5});
    svg.frame = f;
  }

  function drawEquity(svg) {
    var pts = data.equity;
    if (!pts.length) return empty(svg, 300, "No equity points");
    var base = data.initial_equity;
    var ys = extent(pts.map(function (p) { return p[1]; }), base == null ? Infinity : base,
      base == null ? -Infinity : base);
    var f = frame(svg, 300, pts[0][0], pts[pts.length - 1][0], ys[0], ys[1], function (v, s) {
      return num(v, digitsFor(s));
    });
    if (base != null) {
      el(svg, "line", {x1: PAD.l, x2: f.w - PAD.r, y1: f.y(base), y2: f.y(base),
        "class": "baseline"});
    }
    el(svg, "path", {d: linePath(f, pts, function (p) { return p[1]; }), "class": "series equity"});
    overlay(svg, f);
    var ts = pts.map(function (p) { return p[0]; });
    svg.hover = function (px) {
      var p = pts[nearest(ts, f.t(px))];
      return {x: f.x(p[0]), y: f.y(p[1]), text: iso(p[0]) + " UTC\nEquity " + num(p[1], 2) +
        "\nDrawdown " + num(p[2] * 100, 2) + " %"};
    };
  }

  function drawDrawdown(svg) {
    var pts = data.equity;
    if (!pts.length) return empty(svg, 170, "No equity points");
    var low = extent(pts.map(function (p) { return -p[2]; }), 0, 0)[0];
    var f = frame(svg, 170, pts[0][0], pts[pts.length - 1][0], low, 0, function (v, s) {
      return num(v * 100, digitsFor(s * 100)) + " %";
    });
    var line = linePath(f, pts, function (p) { return -p[2]; });
    var zero = f.y(0).toFixed(1);
    el(svg, "path", {d: line + "L" + f.x(pts[pts.length - 1][0]).toFixed(1) + "," + zero + "L" +
      f.x(pts[0][0]).toFixed(1) + "," + zero + "Z", "class": "area drawdown"});
    el(svg, "path", {d: line, "class": "series drawdown"});
    overlay(svg, f);
    var ts = pts.map(function (p) { return p[0]; });
    svg.hover = function (px) {
      var p = pts[nearest(ts, f.t(px))];
      return {x: f.x(p[0]), y: f.y(-p[2]), text: iso(p[0]) + " UTC\nDrawdown " +
        num(p[2] * 100, 2) + " %"};
    };
  }

  var marks = Object.create(null);
  data.trades.forEach(function (tr) {
    var list = marks[tr[0]] || (marks[tr[0]] = []);
    list.push({t: tr[2], p: +tr[3], price: tr[3], kind: "entry " + tr[1], tr: tr});
    if (tr[4] != null) list.push({t: tr[4], p: +tr[5], price: tr[5], kind: "exit", tr: tr});
  });
  for (var sym in marks) marks[sym].sort(function (a, b) { return a.t - b.t; });

  var SHAPES = {
    "entry long": [[0, -6, "l5,9h-10z"], [0, -4, "l3,6h-6z"]],
    "entry short": [[0, 6, "l5,-9h-10z"], [0, 4, "l3,-6h-6z"]],
    "exit": [[-3.5, 0, "a3.5,3.5 0 1,0 7,0a3.5,3.5 0 1,0 -7,0z"],
      [-2, 0, "a2,2 0 1,0 4,0a2,2 0 1,0 -4,0z"]]
  };
  function shape(kind, x, y, dense) {
    var s = SHAPES[kind][dense ? 1 : 0];
    return "M" + (+x + s[0]).toFixed(1) + "," + (+y + s[1]).toFixed(1) + s[2];
  }
  function describe(m) {
    var tr = m.tr, title = m.kind === "exit" ? "Exit of " + tr[1] : (tr[1] === "long" ?
      "Long entry" : "Short entry");
    return title + " · " + tr[7] + "\n" + tr[0] + "\n" + iso(m.t) + " UTC @ " + m.price +
      "\nNet PnL " + tr[6];
  }

  function drawMarkers(svg, f, list) {
    var dense = list.length > MAX_SINGLE_MARKERS;
    var layer = el(svg, "g", {"class": dense ? "markers dense" : "markers"});
    if (!dense) {
      list.forEach(function (m) {
        var x = +f.x(m.t).toFixed(1), y = +f.y(m.p).toFixed(1);
        var attrs = {"class": "marker " + m.kind, "aria-label": describe(m).replace(/\n/g, ", ")};
        if (m.kind === "exit") {
          attrs.cx = x; attrs.cy = y; attrs.r = 3.5;
          attrs["data-outcome"] = +m.tr[6] < 0 ? "loss" : "win";
          el(layer, "circle", attrs);
        } else {
          attrs.d = shape(m.kind, x, y, false);
          el(layer, "path", attrs);
        }
      });
      return;
    }
    var paths = {"entry long": [], "entry short": [], "exit win": [], "exit loss": []};
    list.forEach(function (m) {
      var key = m.kind === "exit" ? (+m.tr[6] < 0 ? "exit loss" : "exit win") : m.kind;
      paths[key].push(shape(m.kind, f.x(m.t), f.y(m.p), true));
    });
    for (var key in paths) {
      if (!paths[key].length) continue;
      var exit = key.indexOf("exit") === 0;
      var attrs = {"class": exit ? "marker exit" : "marker " + key, d: paths[key].join("")};
      if (exit) attrs["data-outcome"] = key.slice(5);
      el(layer, "path", attrs);
    }
  }

  function drawPrice(svg, symbol) {
    var pts = data.prices[symbol] || [], list = marks[symbol] || [];
    if (!pts.length && !list.length) return empty(svg, 280, "No prices");
    var ts = pts.map(function (p) { return p[0]; }), mts = list.map(function (m) { return m.t; });
    var ends = mts.length ? [mts[0], mts[mts.length - 1]] : [];
    var xs = extent(ts.concat(ends), Infinity, -Infinity);
    var ys = extent(pts.map(function (p) { return p[1]; }), Infinity, -Infinity);
    ys = extent(list.map(function (m) { return m.p; }), ys[0], ys[1]);
    var f = frame(svg, 280, xs[0], xs[1], ys[0], ys[1], function (v, s) {
      return num(v, digitsFor(s));
    });
    drawMarkers(svg, f, list);
    if (pts.length) {
      var price = el(svg, "path", {d: linePath(f, pts, function (p) { return p[1]; }),
        "class": "series price"});
      // Sparse markers sit on the line; a dense cloud of them goes under it so the price shows.
      if (list.length <= MAX_SINGLE_MARKERS) svg.insertBefore(price, svg.querySelector(".markers"));
    }
    overlay(svg, f);
    svg.hover = function (px, py) {
      var best = null, bestDist = 64;
      for (var i = bisect(mts, f.t(px - 8)); i < list.length && list[i].t <= f.t(px + 8); i++) {
        var dx = f.x(list[i].t) - px, dy = f.y(list[i].p) - py, dist = dx * dx + dy * dy;
        if (dist < bestDist) { best = list[i]; bestDist = dist; }
      }
      if (best) return {x: f.x(best.t), y: f.y(best.p), text: describe(best)};
      if (!pts.length) return null;
      var p = pts[nearest(ts, f.t(px))];
      return {x: f.x(p[0]), y: f.y(p[1]), text: symbol + "\n" + iso(p[0]) + " UTC\nClose " + p[1]};
    };
  }

  function drawAll() {
    document.querySelectorAll("svg[data-chart]").forEach(function (svg) {
      var name = svg.getAttribute("data-chart");
      if (name === "equity") drawEquity(svg);
      else if (name === "drawdown") drawDrawdown(svg);
      else if (name.indexOf("price-") === 0) drawPrice(svg, name.slice(6));
    });
  }

  function hide(svg) {
    tip.hidden = true;
    if (svg.cross) svg.cross.parentNode.setAttribute("visibility", "hidden");
  }
  function track(svg, event) {
    var box = svg.getBoundingClientRect(), f = svg.frame;
    if (!svg.hover || !f) return hide(svg);
    var px = (event.clientX - box.left) * f.w / box.width;
    var py = (event.clientY - box.top) * f.h / box.height;
    if (px < PAD.l || px > f.w - PAD.r) return hide(svg);
    var hit = svg.hover(px, py);
    if (!hit) return hide(svg);
    svg.cross.setAttribute("x1", hit.x); svg.cross.setAttribute("x2", hit.x);
    svg.dot.setAttribute("cx", hit.x); svg.dot.setAttribute("cy", hit.y);
    svg.cross.parentNode.setAttribute("visibility", "visible");
    tip.textContent = hit.text;
    tip.hidden = false;
    var left = event.pageX + 14;
    if (left + tip.offsetWidth > window.scrollX + document.documentElement.clientWidth) {
      left = event.pageX - tip.offsetWidth - 14;
    }
    tip.style.left = left + "px";
    tip.style.top = event.pageY + 14 + "px";
  }

  var started = performance.now();
  try {
    drawAll();
  } catch (error) {
    document.body.dataset.chartsError = String(error);
    throw error;
  }
  document.querySelectorAll("svg[data-chart]").forEach(function (svg) {
    svg.addEventListener("mousemove", function (event) { track(svg, event); });
    svg.addEventListener("mouseleave", function () { hide(svg); });
  });
  var pending = null;
  window.addEventListener("resize", function () {
    clearTimeout(pending);
    pending = setTimeout(drawAll, 150);
  });
  document.body.dataset.chartsMs = String(Math.round(performance.now() - started));
  document.body.dataset.chartsReady = "true";
})();
