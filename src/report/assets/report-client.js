/*
 * gauntlet report client: draws each chart of the page from its spec (src/report/chart-spec.ts) with uPlot.
 * Inlined into every report.html next to uPlot, so the page needs no network. Text from results reaches the
 * page only through textContent, uPlot's legend (textContent) and the canvas (fillText): never as markup.
 * Sets data-drawn="<series count>" on each chart once drawn, and window.gauntletReport ({charts, drawn, empty,
 * failed, plots, labels, points}) for tests: each plot area's place, each text label drawn on a plot (its box,
 * its kind: band, marker or point) and the marker lines beside it, and each labelled point with its plot area, in
 * CSS pixels relative to the chart's canvas (plots: to the chart's container).
 * Each chart's numbers are also in a table under it (server-rendered, open for readers without JavaScript);
 * once the chart is drawn, the table is folded away.
 */
(function () {
  'use strict';
  var state = { charts: 0, drawn: 0, empty: [], failed: [], plots: [], labels: [], points: [] };
  // The width of a right-hand y axis (its labelSize + size below): time charts without one keep the same gutter,
  // so every time chart's plot area has the same left edge and width and their axes line up when stacked.
  var Y2_GUTTER = 30 + 56;
  window.gauntletReport = state;

  var BAND_FILL = ['rgba(0, 0, 0, 0.045)', 'rgba(0, 0, 0, 0)', 'rgba(204, 121, 167, 0.18)'];
  var FONT = '11px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';

  function num(v) {
    if (v == null || !isFinite(v)) return '–';
    var a = Math.abs(v);
    if (a === 0) return '0';
    if (a >= 1000) return String(Math.round(v));
    if (a >= 100) return v.toFixed(0);
    if (a >= 10) return v.toFixed(1);
    if (a >= 1) return v.toFixed(2);
    return v.toPrecision(2);
  }

  function percentLabel(x, digits) {
    if (x == null) return null;
    var p = 100 * (1 - 1 / x);
    if (p <= 0) return '0%';
    return String(+p.toFixed(digits)) + '%';
  }

  function tick(v) {
    if (v == null) return null;
    return String(+v.toPrecision(3));
  }

  function timeLabel(s, long) {
    if (s == null) return null;
    if (!long) return String(+s.toFixed(1)) + ' s';
    var m = Math.floor(s / 60);
    var r = Math.round(s - m * 60);
    return m + ':' + (r < 10 ? '0' : '') + r;
  }

  function rangeFn(axis) {
    if (axis && axis.fromZero && !axis.log) {
      return function (u, min, max) {
        var top = max > 0 ? max * 1.08 : 1;
        return [0, top];
      };
    }
    return undefined;
  }

  function percentileSplits(u, axisIdx, min, max) {
    var out = [];
    var candidates = [1, 2, 4];
    for (var x = 10; x <= max * 1.0001; x *= 10) candidates.push(x);
    candidates.forEach(function (c) {
      if (c >= min * 0.9999 && c <= max * 1.0001) out.push(c);
    });
    return out;
  }

  function paths(s) {
    if (s.style === 'points') return function () { return null; };
    if (s.style === 'step') return uPlot.paths.stepped({ align: 1 });
    if (s.style === 'bars') return uPlot.paths.bars({ size: [0.7, 40] });
    return undefined;
  }

  function drawBands(u, spec) {
    if (!spec.bands || !spec.bands.length) return;
    var ctx = u.ctx;
    var top = u.bbox.top;
    var height = u.bbox.height;
    var pr = window.devicePixelRatio || 1;
    ctx.save();
    ctx.font = FONT.replace('11px', Math.round(11 * pr) + 'px');
    ctx.textBaseline = 'top';
    spec.bands.forEach(function (b) {
      var x0 = Math.max(u.bbox.left, u.valToPos(b.from, 'x', true));
      var x1 = Math.min(u.bbox.left + u.bbox.width, u.valToPos(b.to, 'x', true));
      if (!(x1 > x0)) return;
      ctx.fillStyle = BAND_FILL[b.shade] || BAND_FILL[0];
      ctx.fillRect(x0, top, x1 - x0, height);
      ctx.strokeStyle = 'rgba(0, 0, 0, 0.15)';
      ctx.lineWidth = pr;
      ctx.beginPath();
      ctx.moveTo(x0, top);
      ctx.lineTo(x0, top + height);
      ctx.stroke();
      // The label stays inside its band, between the marker lines that cross it (a fault, a recovery): in the
      // first gap it fits in whole, else shortened in the widest.
      var cuts = [x0].concat(markerXs(u, spec).filter(function (mx) { return mx > x0 + pr && mx < x1 - pr; }).sort(function (a, c) { return a - c; }), [x1]);
      var gaps = [];
      for (var g = 0; g + 1 < cuts.length; g++) gaps.push([cuts[g], cuts[g + 1]]);
      var full = ctx.measureText(b.label).width;
      var gap = gaps.filter(function (p) { return full + 6 * pr <= p[1] - p[0]; })[0] || gaps.reduce(function (a, p) { return p[1] - p[0] > a[1] - a[0] ? p : a; });
      var text = fitText(ctx, b.label, gap[1] - gap[0] - 6 * pr);
      if (text) {
        ctx.fillStyle = '#555';
        ctx.fillText(text, gap[0] + 3 * pr, top + 3 * pr);
        noteLabel(u, spec, text, gap[0] + 3 * pr, ctx.measureText(text).width, top + 3 * pr, null, 'band');
      }
    });
    ctx.restore();
  }

  function markerXs(u, spec) {
    return (spec.markers || []).map(function (m) { return u.valToPos(m.x, 'x', true); }).filter(function (x) {
      return x >= u.bbox.left && x <= u.bbox.left + u.bbox.width;
    });
  }

  /** fitText shortens text with an ellipsis to fit `room` canvas pixels ('' when not even a few letters fit). */
  function fitText(ctx, text, room) {
    if (ctx.measureText(text).width <= room) return text;
    for (var n = text.length - 1; n >= 4; n--) {
      var t = text.slice(0, n).replace(/\s+$/, '') + '…';
      if (ctx.measureText(t).width <= room) return t;
    }
    return '';
  }

  /** TEXT_H is the height of a label's box (11 px text), in CSS pixels. */
  var TEXT_H = 13;

  /** noteLabel records a drawn label for tests, in CSS pixels; `own` is the x of the marker line it names. */
  function noteLabel(u, spec, text, x, w, y, own, kind) {
    var pr = window.devicePixelRatio || 1;
    state.labels.push({
      chart: spec.id,
      kind: kind,
      text: text,
      x0: x / pr,
      x1: (x + w) / pr,
      y: y / pr,
      y0: y / pr,
      y1: y / pr + TEXT_H,
      own: own === null ? null : own / pr,
      lines: markerXs(u, spec).map(function (m) { return m / pr; }),
    });
  }

  /**
   * placeMarkerLabels puts each marker's label beside its line, in one of three rows, right of the line or else
   * left of it, where it crosses no other marker line and no label already placed in that row; failing that, it
   * is shortened to the room it has right of its line (the legend and the fault table name it in full).
   */
  function placeMarkerLabels(u, spec, ctx, pr, dots) {
    var b = u.bbox;
    var lines = markerXs(u, spec);
    var taken = [[], [], []];
    var gap = 4 * pr;
    function rowY(row) { return b.top + (16 + 14 * row) * pr; }
    function free(row, x0, x1, own) {
      if (x0 < b.left || x1 > b.left + b.width) return false;
      for (var i = 0; i < lines.length; i++) if (lines[i] !== own && lines[i] >= x0 - gap / 2 && lines[i] <= x1 + gap / 2) return false;
      // Nor over a labelled point (a sweep's Pareto chart): the bound's text must not hide one.
      var box = { x0: x0, x1: x1, y0: rowY(row), y1: rowY(row) + TEXT_H * pr };
      if (dots.some(function (d) { return overlaps(box, d); })) return false;
      return taken[row].every(function (r) { return x1 + gap <= r[0] || x0 >= r[1] + gap; });
    }
    var placed = [];
    (spec.markers || []).forEach(function (m) {
      var x = u.valToPos(m.x, 'x', true);
      if (!(x >= b.left && x <= b.left + b.width)) return;
      var w = ctx.measureText(m.label).width;
      var spot = null;
      for (var row = 0; row < 3 && !spot; row++) {
        if (free(row, x + gap, x + gap + w, x)) spot = { row: row, x0: x + gap, text: m.label, w: w };
        else if (free(row, x - gap - w, x - gap, x)) spot = { row: row, x0: x - gap - w, text: m.label, w: w };
      }
      if (!spot) {
        // Shorten it to the room right of its line: up to the next line or label in the emptiest row.
        for (var r = 0; r < 3 && !spot; r++) {
          var end = b.left + b.width;
          lines.forEach(function (l) { if (l > x + gap && l < end) end = l; });
          taken[r].forEach(function (t) { if (t[0] > x && t[0] < end) end = t[0]; });
          var text = fitText(ctx, m.label, end - x - 2 * gap);
          if (text && free(r, x + gap, x + gap + ctx.measureText(text).width, x)) spot = { row: r, x0: x + gap, text: text, w: ctx.measureText(text).width };
        }
      }
      if (!spot) return;
      taken[spot.row].push([spot.x0, spot.x0 + spot.w]);
      placed.push({ m: m, x: x, spot: spot });
    });
    ctx.textBaseline = 'top';
    ctx.textAlign = 'left';
    return placed.map(function (p) {
      var y = rowY(p.spot.row);
      ctx.fillStyle = p.m.color;
      ctx.fillText(p.spot.text, p.spot.x0, y);
      noteLabel(u, spec, p.spot.text, p.spot.x0, p.spot.w, y, p.x, 'marker');
      return { x0: p.spot.x0, x1: p.spot.x0 + p.spot.w, y0: y, y1: y + TEXT_H * pr };
    });
  }

  function overlaps(a, c) {
    return a.x0 < c.x1 && c.x0 < a.x1 && a.y0 < c.y1 && c.y0 < a.y1;
  }

  /** pointSpots are where the labelled points of a chart are on its canvas, each with the box its dot covers. */
  function pointSpots(u, spec, pr) {
    var b = u.bbox;
    return (spec.pointLabels || []).map(function (p) {
      var x = u.valToPos(p.x, 'x', true);
      var y = u.valToPos(p.y, 'y', true);
      var r = (p.radius || 5) * pr;
      return { p: p, x: x, y: y, r: r, dot: { x0: x - r, x1: x + r, y0: y - r, y1: y + r } };
    }).filter(function (q) {
      return q.x >= b.left - 1 && q.x <= b.left + b.width + 1 && q.y >= b.top - 1 && q.y <= b.top + b.height + 1;
    });
  }

  /**
   * placePointLabels writes each point's text where it covers no other text (the marker labels, the texts placed
   * before it), no point and stays inside the plot: beside its point first, then in rings further out, with a
   * thin leader line back to the point; near-identical points so get their numbers fanned out around them.
   */
  function placePointLabels(u, spec, ctx, pr, spots, taken) {
    var b = u.bbox;
    var h = TEXT_H * pr;
    var dots = spots.map(function (q) { return q.dot; });
    // Each point's way out of its crowd: from the mean of its neighbours (within 40 px) towards it.
    spots.forEach(function (q) {
      var near = spots.filter(function (o) { return o !== q && Math.abs(o.x - q.x) < 40 * pr && Math.abs(o.y - q.y) < 40 * pr; });
      var mx = 0;
      var my = 0;
      near.forEach(function (o) { mx += o.x / near.length; my += o.y / near.length; });
      q.out = near.length ? [q.x - mx, q.y - my] : [1, -1];
      q.crowded = near.length > 0;
    });
    function away(q, c, w, h) {
      return (c[0] + w / 2) * q.out[0] + (c[1] + h / 2) * q.out[1];
    }
    spots.forEach(function (q) {
      var w = ctx.measureText(q.p.text).width;
      var best = null;
      for (var ring = 0; ring < 8 && !best; ring++) {
        var d = q.r + (1 + ring * 9) * pr;
        var cands = [[d, -d - h], [d, d], [-d - w, -d - h], [-d - w, d], [d + 3 * pr, -h / 2], [-d - w - 3 * pr, -h / 2], [-w / 2, -d - h - 3 * pr], [-w / 2, d + 3 * pr]];
        // Out from a crowd, away from its neighbours first, so that leader lines fan out instead of crossing.
        if (ring > 0 || q.crowded) cands.sort(function (a1, a2) { return away(q, a2, w, h) - away(q, a1, w, h); });
        for (var i = 0; i < cands.length && !best; i++) {
          var box = { x0: q.x + cands[i][0], y0: q.y + cands[i][1] };
          box.x1 = box.x0 + w;
          box.y1 = box.y0 + h;
          if (box.x0 < b.left || box.x1 > b.left + b.width || box.y0 < b.top || box.y1 > b.top + b.height) continue;
          if (taken.some(function (t) { return overlaps(box, t); }) || dots.some(function (t) { return overlaps(box, t); })) continue;
          best = { box: box, ring: ring };
        }
      }
      // Nowhere free (a crowd larger than the rings hold): beside the point, as before.
      if (!best) best = { box: { x0: q.x + 6 * pr, y0: q.y - 4 * pr - h, x1: q.x + 6 * pr + w, y1: q.y - 4 * pr }, ring: 0 };
      taken.push(best.box);
      // In a crowd, or away from its point, a text is tied to its point by a line.
      var leader = best.ring > 0 || q.crowded;
      if (leader) {
        var cx = Math.max(best.box.x0, Math.min(q.x, best.box.x1));
        var cy = Math.max(best.box.y0, Math.min(q.y, best.box.y1));
        ctx.strokeStyle = '#9aa0a6';
        ctx.lineWidth = pr;
        ctx.beginPath();
        ctx.moveTo(q.x, q.y);
        ctx.lineTo(cx, cy);
        ctx.stroke();
      }
      ctx.fillStyle = '#222';
      ctx.textAlign = 'left';
      ctx.textBaseline = 'top';
      ctx.fillText(q.p.text, best.box.x0, best.box.y0 + pr);
      noteLabel(u, spec, q.p.text, best.box.x0, w, best.box.y0, null, 'point');
      state.points.push({ chart: spec.id, text: q.p.text, x: q.x / pr, y: q.y / pr, leader: leader, plot: { x0: b.left / pr, x1: (b.left + b.width) / pr, y0: b.top / pr, y1: (b.top + b.height) / pr } });
    });
  }

  function drawOverlays(u, spec) {
    var ctx = u.ctx;
    var pr = window.devicePixelRatio || 1;
    var b = u.bbox;
    ctx.save();
    ctx.font = FONT.replace('11px', Math.round(11 * pr) + 'px');
    var lineBoxes = [];
    (spec.lines || []).forEach(function (l) {
      var y = u.valToPos(l.y, 'y', true);
      if (!(y >= b.top && y <= b.top + b.height)) return;
      ctx.strokeStyle = l.color;
      ctx.lineWidth = 1.5 * pr;
      ctx.setLineDash([6 * pr, 4 * pr]);
      ctx.beginPath();
      ctx.moveTo(b.left, y);
      ctx.lineTo(b.left + b.width, y);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillStyle = l.color;
      ctx.textAlign = 'right';
      ctx.textBaseline = 'bottom';
      ctx.fillText(l.label, b.left + b.width - 4 * pr, y - 2 * pr);
      var lw = ctx.measureText(l.label).width;
      lineBoxes.push({ x0: b.left + b.width - 4 * pr - lw, x1: b.left + b.width - 4 * pr, y0: y - 2 * pr - TEXT_H * pr, y1: y - 2 * pr });
    });
    (spec.markers || []).forEach(function (m) {
      var x = u.valToPos(m.x, 'x', true);
      if (!(x >= b.left && x <= b.left + b.width)) return;
      ctx.strokeStyle = m.color;
      ctx.lineWidth = 1.5 * pr;
      ctx.setLineDash([3 * pr, 3 * pr]);
      ctx.beginPath();
      ctx.moveTo(x, b.top);
      ctx.lineTo(x, b.top + b.height);
      ctx.stroke();
      ctx.setLineDash([]);
    });
    var spots = pointSpots(u, spec, pr);
    var taken = placeMarkerLabels(u, spec, ctx, pr, spots.map(function (q) { return q.dot; })).concat(lineBoxes);
    placePointLabels(u, spec, ctx, pr, spots, taken);
    ctx.restore();
  }

  function hasData(spec) {
    return spec.series.some(function (s) {
      return s.values.some(function (v) { return v != null && (!spec.y.log || v > 0); });
    });
  }

  function build(spec, el) {
    var longTime = spec.x.kind === 'time' && spec.x.values.length && spec.x.values[spec.x.values.length - 1] > 180;
    var xFmt = spec.x.kind === 'percentile'
      ? function (u, v) { return v == null ? '–' : percentLabel(v, 4); }
      : spec.x.kind === 'time'
        ? function (u, v) { return v == null ? '–' : 'second ' + Math.floor(v); }
        : function (u, v) { return v == null ? '–' : num(v); };
    var series = [{ label: spec.x.kind === 'percentile' ? 'percentile' : spec.x.kind === 'time' ? 'time' : spec.x.label, value: xFmt }];
    spec.series.forEach(function (s) {
      var showPoints = s.style === 'points' || !!s.points;
      series.push({
        label: s.label,
        stroke: s.color,
        fill: s.style === 'bars' ? s.color : undefined,
        width: s.style === 'points' ? 0 : (s.width || 1.5),
        dash: s.dash,
        scale: s.axis === 'right' ? 'y2' : 'y',
        spanGaps: !!s.spanGaps,
        paths: paths(s),
        points: { show: showPoints, size: s.style === 'points' ? (s.width ? 6 + s.width * 2 : 8) : 6, stroke: s.color, fill: s.style === 'points' && s.width ? 'rgba(0,0,0,0)' : s.color, width: s.style === 'points' && s.width ? 2.5 : 1 },
        value: function (u, v) { return v == null ? '–' : num(v) + (s.unit ? ' ' + s.unit : ''); },
      });
    });
    var scales = {
      x: { time: false, distr: spec.x.log ? 3 : 1, log: 10 },
      y: { distr: spec.y.log ? 3 : 1, log: 10, range: rangeFn(spec.y) },
    };
    if (spec.x.min != null && spec.x.max != null) {
      scales.x.range = function () { return [spec.x.min, spec.x.max]; };
    } else if (spec.x.kind === 'linear' && !spec.x.log) {
      scales.x.range = function (u, min, max) {
        // From zero, so distances between points are honest proportions.
        return [Math.min(0, min), max > 0 ? max * 1.08 : 1];
      };
    }
    var axes = [
      {
        label: spec.x.label,
        labelSize: 28,
        splits: spec.x.kind === 'percentile' ? percentileSplits : undefined,
        filter: spec.x.kind === 'percentile' ? function (u, splits) { return splits; } : undefined,
        values: spec.x.kind === 'percentile'
          ? function (u, vals) { return vals.map(function (v) { return percentLabel(v, 5); }); }
          : spec.x.kind === 'time'
            ? function (u, vals) { return vals.map(function (v) { return timeLabel(v, longTime); }); }
            : function (u, vals) { return vals.map(tick); },
      },
      { label: spec.y.label, labelSize: 30, size: 56, scale: 'y', values: function (u, vals) { return vals.map(tick); } },
    ];
    if (spec.y2) {
      scales.y2 = { distr: spec.y2.log ? 3 : 1, log: 10, range: rangeFn(spec.y2) };
      axes.push({ label: spec.y2.label, labelSize: 30, size: 56, scale: 'y2', side: 1, grid: { show: false }, values: function (u, vals) { return vals.map(tick); } });
    }
    var data = [spec.x.values].concat(spec.series.map(function (s) {
      return spec.y.log && s.axis !== 'right' ? s.values.map(function (v) { return v != null && v > 0 ? v : null; }) : s.values;
    }));
    var opts = {
      width: Math.max(320, el.clientWidth),
      height: spec.height || 280,
      scales: scales,
      axes: axes,
      series: series,
      // Time charts without a right axis keep its gutter (see Y2_GUTTER); the others pad as uPlot does.
      padding: spec.x.kind === 'time' && !spec.y2 ? [null, Y2_GUTTER, null, null] : undefined,
      legend: { live: true },
      cursor: { points: { size: 6 } },
      hooks: {
        drawClear: [function (u) {
          state.labels = state.labels.filter(function (l) { return l.chart !== spec.id; });
          state.points = state.points.filter(function (l) { return l.chart !== spec.id; });
          drawBands(u, spec);
        }],
        draw: [function (u) { drawOverlays(u, spec); }],
      },
    };
    return new uPlot(opts, data, el);
  }

  function drawAll() {
    var dataEl = document.getElementById('gauntlet-charts');
    if (!dataEl) return;
    var specs = JSON.parse(dataEl.textContent || '[]');
    var plots = [];
    state.charts = specs.length;
    specs.forEach(function (spec) {
      var el = document.querySelector('[data-chart="' + spec.id + '"]');
      if (!el) {
        state.failed.push(spec.id + ': no container');
        return;
      }
      try {
        if (!hasData(spec)) {
          el.textContent = 'No data to draw.';
          el.classList.add('chart-empty');
          state.empty.push(spec.id);
          return;
        }
        var u = build(spec, el);
        plots.push({ u: u, el: el, spec: spec });
        el.setAttribute('data-drawn', String(u.series.length - 1));
        var over = el.querySelector('.u-over');
        var box = over ? over.getBoundingClientRect() : null;
        var at = el.getBoundingClientRect();
        state.plots.push({ id: spec.id, kind: spec.x.kind, left: box ? box.left - at.left : null, width: box ? box.width : null, xMin: u.scales.x.min, xMax: u.scales.x.max });
        // The table of the chart's numbers (open for readers without JavaScript) folds away under the chart.
        var data = el.parentNode && el.parentNode.querySelector('details.chart-data');
        if (data) data.open = false;
        state.drawn++;
      } catch (err) {
        state.failed.push(spec.id + ': ' + (err && err.message));
        el.textContent = 'This chart could not be drawn: ' + (err && err.message);
        console.error('gauntlet report: chart ' + spec.id + ' failed', err);
      }
    });
    var timer;
    window.addEventListener('resize', function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        plots.forEach(function (p) {
          p.u.setSize({ width: Math.max(320, p.el.clientWidth), height: p.spec.height || 280 });
        });
      }, 100);
    });
    window.addEventListener('beforeprint', function () {
      plots.forEach(function (p) {
        p.u.setSize({ width: Math.min(680, Math.max(320, p.el.clientWidth)), height: p.spec.height || 280 });
      });
    });
  }

  if (typeof uPlot === 'undefined') {
    console.error('gauntlet report: uPlot is missing');
    return;
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', drawAll);
  else drawAll();
})();
