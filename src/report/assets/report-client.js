/*
 * gauntlet report client: draws each chart of the page from its spec (src/report/chart-spec.ts) with uPlot.
 * Inlined into every report.html next to uPlot and after report-labels.js (the text placed on charts), so the page
 * needs no network. Text from results reaches the page only through textContent, uPlot's legend (textContent) and
 * the canvas (fillText): never as markup.
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

  var L = window.gauntletLabels;
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
      var cuts = [x0].concat(L.markerXs(u, spec).filter(function (mx) { return mx > x0 + pr && mx < x1 - pr; }).sort(function (a, c) { return a - c; }), [x1]);
      var gaps = [];
      for (var g = 0; g + 1 < cuts.length; g++) gaps.push([cuts[g], cuts[g + 1]]);
      var full = ctx.measureText(b.label).width;
      var gap = gaps.filter(function (p) { return full + 6 * pr <= p[1] - p[0]; })[0] || gaps.reduce(function (a, p) { return p[1] - p[0] > a[1] - a[0] ? p : a; });
      var text = L.fitText(ctx, b.label, gap[1] - gap[0] - 6 * pr);
      if (text) {
        ctx.fillStyle = '#555';
        ctx.fillText(text, gap[0] + 3 * pr, top + 3 * pr);
        L.noteLabel(u, spec, text, gap[0] + 3 * pr, ctx.measureText(text).width, top + 3 * pr, null, 'band');
      }
    });
    ctx.restore();
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
      lineBoxes.push({ x0: b.left + b.width - 4 * pr - lw, x1: b.left + b.width - 4 * pr, y0: y - 2 * pr - L.TEXT_H * pr, y1: y - 2 * pr });
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
    var spots = L.pointSpots(u, spec, pr);
    var taken = L.placeMarkerLabels(u, spec, ctx, pr, spots.map(function (q) { return q.dot; })).concat(lineBoxes);
    L.placePointLabels(u, spec, ctx, pr, spots, taken);
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

  if (typeof uPlot === 'undefined' || !L) {
    console.error('gauntlet report: ' + (L ? 'uPlot' : 'the label script') + ' is missing');
    return;
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', drawAll);
  else drawAll();
})();
