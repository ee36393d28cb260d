/**
 * The HTML page of a characterization (`gauntlet characterize`'s characterization.json): the headline figures, the
 * classification and the suggested SLOs with their rules, the inputs, then the rate over time with the bursts
 * shaded, the inter-arrival histogram with its fit, latency against load with the knee, the payload sizes, and the
 * status and route mix. What the log did not carry is said in one line in its place, never drawn as an empty chart.
 */
import type { Characterization } from '../characterize/characterization.js';
import type { ChartSpec } from './chart-spec.js';
import { interArrivalChart, latencyLoadChart, MAX_BURST_BANDS, payloadChart, rateChart, zeroBin } from './characterize-charts.js';
import {
  BURST_HEADER, burstRows, burstsNote, characterizeSubtitle, characterizeSummary, characterizeTitle, characterizeWarnings, FILE_HEADER, fileRows, fitText, HOUR_HEADER, hourRows, inputFacts,
  latencyRows, LOAD_HEADER, loadRows, MALFORMED_HEADER, num, sentence, malformedRows, PEAK_HEADER, peakRows, PERCENTILE_HEADER, payloadRows, ROUTE_HEADER, routeRows, routesNote, sloText, STATUS_HEADER, statusRows,
} from './characterize-view.js';
import { count, pct, plural, rps, seconds } from './format.js';
import { chartFigure, htmlPage } from './html-page.js';
import { warningsBox } from './html-run.js';
import { type Html, html, table } from './html.js';

/** renderCharacterizationHtml renders a characterization as one self-contained page; `source` is the file it was read from. */
export function renderCharacterizationHtml(c: Characterization, source: string): string {
  const charts: ChartSpec[] = [];
  const title = characterizeTitle(c);
  const body = html`<header><h1>${title}</h1><p class="subtitle">${characterizeSubtitle(c)}</p>${badges(c)}</header>${warningsBox(characterizeWarnings(c))}${characterizationSections(c, 'characterize', charts)}<footer>Made by gauntlet ${c.gauntletVersion} from ${source}. This page is self-contained: it loads nothing from the network. Nothing from the log but times, sizes, latencies, statuses and route or model names is in it.</footer>`;
  return htmlPage({ title: `gauntlet · ${title}`, body, charts });
}

function badges(c: Characterization): Html {
  const kind = c.classification.kind;
  return html`<div class="verdict"><span class="badge ${kind === 'unknown' ? 'neutral' : 'good'}">${kind}</span><span class="badge neutral">peak ${rps(c.rates.peakRps)}/s (${seconds(c.rates.peakWindowS)})</span><span class="badge neutral">peak ÷ mean ${num(c.rates.peakToAverage)}</span><span class="badge neutral">${plural(c.bursts.count, 'burst')}</span>${c.inputs.fields.status ? html`<span class="badge ${c.status.errorRate > 0.01 ? 'bad' : 'neutral'}">error rate ${pct(c.status.errorRate)}</span>` : ''}</div>`;
}

/** characterizationSections renders a characterization's body (its headline is the caller's); `prefix` keeps chart ids unique. */
export function characterizationSections(c: Characterization, prefix: string, charts: ChartSpec[]): Html {
  const add = (s: ChartSpec | undefined): ChartSpec | undefined => {
    if (s) charts.push(s);
    return s;
  };
  const none = (text: string): Html => html`<p class="muted">${text}</p>`;
  const parts: Html[] = [html`<section class="summary"><strong>In short</strong><ul>${characterizeSummary(c).map((s) => html`<li>${s}</li>`)}</ul></section>`];
  const cl = c.classification;
  parts.push(html`<div class="recommendation${cl.kind === 'unknown' ? ' none' : ''}"><strong>Classification: ${cl.kind}</strong>. <em>Rule:</em> ${sentence(cl.rule)}${cl.reasons.length ? html`<ul>${cl.reasons.map((r) => html`<li>${r}</li>`)}</ul>` : ''}</div>`);
  parts.push(html`<div class="recommendation${sloText(c) === 'none' ? ' none' : ''}"><strong>Suggested SLOs: ${sloText(c)}</strong> (headroom ×${num(c.slo.headroom)}). <em>Rule:</em> ${sentence(c.slo.rule)}</div>`);

  const rate = rateChart(`${prefix}-rate`, c);
  parts.push(html`<h2 id="rates">Rate over time</h2>`);
  parts.push(rate ? chartFigure(add(rate.spec), 'Requests per second', `Requests per ${seconds(rate.bucketS)} bucket over the log's span${rate.bucketS > c.rates.series.bucketS ? ' (consecutive buckets averaged to fit the chart)' : ''}; the grey dashed line is the mean. ${c.bursts.count ? `Pink bands are the bursts, from each one's start for its duration${c.bursts.list.length > MAX_BURST_BANDS ? ` (the first ${MAX_BURST_BANDS})` : ''}.` : 'No bursts were found.'}`) : none('No rate series: the log has no requests.'));
  parts.push(html`<h3>Peaks</h3><p>Busiest aligned windows (aligned to their length in epoch time).</p>`, table(PEAK_HEADER, peakRows(c), { numeric: [1, 2, 4] }));
  parts.push(html`<h3>Bursts</h3><p>${burstsNote(c)}</p>`);
  if (c.bursts.list.length) parts.push(table(BURST_HEADER, burstRows(c), { numeric: [0, 2, 3, 4, 5, 6, 7], className: 'compact' }));
  if (c.bursts.durationS) parts.push(html`<p>Burst durations: p50 ${seconds(c.bursts.durationS.p50)}, p90 ${seconds(c.bursts.durationS.p90)}, mean ${seconds(c.bursts.durationS.mean)}, longest ${seconds(c.bursts.durationS.max)}${c.bursts.medianGapS !== undefined ? html`; a median of ${seconds(c.bursts.medianGapS)} between starts` : ''}.</p>`);
  const hours = hourRows(c);
  if (hours.length) parts.push(html`<h3>Rate per hour of day</h3>`, table(HOUR_HEADER, hours, { numeric: [1, 2], className: 'compact' }));

  parts.push(html`<h2 id="arrivals">Arrivals</h2>`);
  const a = c.arrivals;
  parts.push(html`<p>Inter-arrival CV ${num(a.interArrivalCv)} (1 for Poisson arrivals, above 1 burstier), mean gap ${num(a.meanGapMs)} ms. Better fit: <strong>${fitText(c)}</strong>. <em>Rule:</em> ${sentence(a.fit.rule)}</p>`);
  const gaps = interArrivalChart(`${prefix}-gaps`, c);
  parts.push(gaps ? chartFigure(add(gaps), 'Gaps between arrivals', `How many gaps fell in each bin, on a logarithmic axis of milliseconds; the dashed line is what the fitted ${a.fit.best === 'poisson' ? 'Poisson process' : 'gamma process'} expects in each bin${a.measured ? '' : ' (assumed, not measured: gaps inside a second come from spreading 1 s timestamps)'}.${zeroBin(a.histogram) > 0 && gaps.x.log ? ` ${zeroBin(a.histogram)} gaps of 0 ms (requests stamped the same tick) are not drawn.` : ''}`) : none('No inter-arrival histogram: fewer than two requests.'));

  parts.push(html`<h2 id="latency">Latency</h2>`);
  const l = c.latency;
  if (!l) parts.push(none('The log carries no latency ($request_time, %DURATION% or a latency column): no percentiles, no latency against load, no knee.'));
  else {
    parts.push(table(PERCENTILE_HEADER, latencyRows(c), { numeric: [1, 2, 3, 4, 5, 6, 7] }));
    const load = latencyLoadChart(`${prefix}-load`, c);
    parts.push(load ? chartFigure(add(load), 'Latency against load', html`Each point is the p50 or p99 of the requests in the seconds whose rate fell in a bucket, at the bucket's middle (log scale). ${l.knee ? html`The pink line is the knee at ${rps(l.knee.rps)} requests/s, where p99 bends (${num(l.knee.p99Ms)} ms). <em>Rule:</em> ${sentence(l.knee.rule)}` : 'No knee: p99 does not bend within the rates seen.'}${c.slo.p99Ms !== undefined ? ' The red dashed line is the suggested p99 SLO.' : ''}`) : none('No latency against load: no rate bucket holds requests.'));
    if (load) parts.push(html`<h3>Seconds and requests per rate bucket</h3>`, table(LOAD_HEADER, loadRows(c), { numeric: [1, 2, 3, 4], className: 'compact' }));
  }

  parts.push(html`<h2 id="payloads">Payload sizes</h2>`);
  const sizes = payloadRows(c);
  if (!sizes.length) parts.push(none('The log carries no request or response sizes ($request_length, $body_bytes_sent or size columns).'));
  else {
    parts.push(table(PERCENTILE_HEADER, sizes, { numeric: [1, 2, 3, 4, 5, 6, 7] }));
    for (const side of ['request', 'response'] as const) {
      const spec = add(payloadChart(`${prefix}-${side}-bytes`, c, side));
      if (spec) parts.push(chartFigure(spec, side === 'request' ? 'Request sizes' : 'Response sizes', `${side === 'request' ? 'Requests' : 'Responses'} per size bin, in bytes on a ${spec.x.log ? 'logarithmic' : 'linear'} axis.`));
    }
    if (!c.payloads.request) parts.push(none('The log carries no request sizes.'));
    if (!c.payloads.response) parts.push(none('The log carries no response sizes.'));
  }

  parts.push(html`<h2 id="mix">Errors and traffic mix</h2>`);
  const statuses = statusRows(c);
  parts.push(statuses.length ? html`<p>Error rate ${pct(c.status.errorRate)} (server errors: HTTP 5xx and gRPC statuses that do not blame the request), client errors ${pct(c.status.clientErrorRate)}, of ${count(c.status.requests)} requests with a status.</p>${table(STATUS_HEADER, statuses, { numeric: [1, 2], className: 'compact' })}` : none('The log carries no statuses: no error rate.'));
  const routes = routeRows(c);
  parts.push(routes.length ? html`<h3>Routes and models</h3>${table(ROUTE_HEADER, routes, { numeric: [1, 2, 3, 4, 5, 6] })}${routesNote(c) ? html`<p class="muted">${routesNote(c)}</p>` : ''}` : none('The log carries no route or model: no breakdown.'));

  parts.push(html`<h2 id="inputs">Inputs</h2>`, table(FILE_HEADER, fileRows(c), { numeric: [2, 3, 4] }), html`<ul>${inputFacts(c).map((f) => html`<li>${f}</li>`)}</ul>`);
  const m = c.malformed;
  parts.push(html`<p>${m.count ? `${count(m.count)} malformed ${m.count === 1 ? 'line' : 'lines'} (${pct(m.fraction)} of lines), skipped; more than ${pct(m.maxFraction)} is refused.` : `No malformed lines (more than ${pct(m.maxFraction)} is refused).`}</p>`);
  if (m.first.length) parts.push(html`<h3>First malformed lines</h3>`, table(MALFORMED_HEADER, malformedRows(c), { numeric: [1], className: 'compact' }));
  return html`${parts}`;
}
