/*
 * gauntlet report labels: where the client script (report-client.js, inlined after this file) writes text on a
 * chart. Marker labels go beside their lines in one of three rows; point labels (the numbers of a sweep's Pareto
 * chart) go where they cover no other text and no point, fanned out of crowds with leader lines. Each label drawn
 * is recorded in window.gauntletReport (labels, points) for the browser tests. Text reaches the canvas only
 * through fillText.
 */
window.gauntletLabels = (function () {
  'use strict';

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
    window.gauntletReport.labels.push({
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
      window.gauntletReport.points.push({ chart: spec.id, text: q.p.text, x: q.x / pr, y: q.y / pr, leader: leader, plot: { x0: b.left / pr, x1: (b.left + b.width) / pr, y0: b.top / pr, y1: (b.top + b.height) / pr } });
    });
  }


  return { markerXs: markerXs, fitText: fitText, noteLabel: noteLabel, placeMarkerLabels: placeMarkerLabels, pointSpots: pointSpots, placePointLabels: placePointLabels, TEXT_H: TEXT_H };
})();
