/**
 * The Markdown of a characterization, for a pull request or a CI step summary: the same facts as its HTML page
 * (src/report/html-characterize.ts) as text and tables, without the charts: latency against load is a table.
 */
import type { Characterization } from '../characterize/characterization.js';
import {
  BURST_HEADER, burstRows, burstsNote, characterizeSubtitle, characterizeSummary, characterizeTitle, characterizeWarnings, FILE_HEADER, fileRows, fitText, HOUR_HEADER, hourRows, inputFacts,
  latencyRows, LOAD_HEADER, loadRows, MALFORMED_HEADER, malformedRows, num, sentence, PEAK_HEADER, peakRows, PERCENTILE_HEADER, payloadRows, ROUTE_HEADER, routeRows, routesNote, sloText, STATUS_HEADER, statusRows,
} from './characterize-view.js';
import { escapeMarkdown as esc, pct, seconds } from './format.js';
import { mdTable } from './markdown-report.js';

/** renderCharacterizationMarkdown renders a characterization as Markdown; `htmlReport` names the page with the charts. */
export function renderCharacterizationMarkdown(c: Characterization, opts: { htmlReport?: string } = {}): string {
  const bullets = (lines: string[]): string => lines.map((l) => `- ${esc(l)}`).join('\n');
  const blocks = [`## gauntlet: ${esc(characterizeTitle(c))}`, esc(characterizeSubtitle(c))];
  const ws = characterizeWarnings(c);
  if (ws.length) blocks.push(ws.map((w) => `> ⚠️ ${esc(w.text)}`).join('\n>\n'));
  blocks.push(`**In short**\n\n${bullets(characterizeSummary(c))}`);
  const cl = c.classification;
  blocks.push(`**Classification: ${esc(cl.kind)}.** Rule: ${esc(sentence(cl.rule))}${cl.reasons.length ? `\n\n${bullets(cl.reasons)}` : ''}`);
  blocks.push(`**Suggested SLOs: ${esc(sloText(c))}** (headroom ×${num(c.slo.headroom)}). Rule: ${esc(sentence(c.slo.rule))}`);
  blocks.push(`### Peaks\n\n${mdTable(PEAK_HEADER, peakRows(c), [1, 2, 4])}`);
  const b = c.bursts;
  const d = b.durationS;
  blocks.push(`### Bursts\n\n${esc(burstsNote(c))}${b.list.length ? `\n\n${mdTable(BURST_HEADER, burstRows(c), [0, 2, 3, 4, 5, 6, 7])}` : ''}${d ? `\n\nDurations: p50 ${seconds(d.p50)}, p90 ${seconds(d.p90)}, mean ${seconds(d.mean)}, longest ${seconds(d.max)}${b.medianGapS !== undefined ? `; a median of ${seconds(b.medianGapS)} between starts` : ''}.` : ''}`);
  const hours = hourRows(c);
  if (hours.length) blocks.push(`### Rate per hour of day\n\n${mdTable(HOUR_HEADER, hours, [1, 2])}`);
  blocks.push(`### Arrivals\n\nInter-arrival CV ${num(c.arrivals.interArrivalCv)}, mean gap ${num(c.arrivals.meanGapMs)} ms. Better fit: **${esc(fitText(c))}**. Rule: ${esc(sentence(c.arrivals.fit.rule))}`);
  const l = c.latency;
  if (!l) blocks.push('### Latency\n\nThe log carries no latency: no percentiles, no latency against load, no knee.');
  else {
    const knee = l.knee ? `Knee at ${num(l.knee.rps)} requests/s (p99 ${num(l.knee.p99Ms)} ms). Rule: ${esc(sentence(l.knee.rule))}` : 'No knee: p99 does not bend within the rates seen.';
    blocks.push(`### Latency\n\n${mdTable(PERCENTILE_HEADER, latencyRows(c), [1, 2, 3, 4, 5, 6, 7])}\n\n**Latency against load.** ${knee}\n\n${mdTable(LOAD_HEADER, loadRows(c), [1, 2, 3, 4])}`);
  }
  const sizes = payloadRows(c);
  blocks.push(`### Payload sizes\n\n${sizes.length ? mdTable(PERCENTILE_HEADER, sizes, [1, 2, 3, 4, 5, 6, 7]) : 'The log carries no request or response sizes.'}`);
  const statuses = statusRows(c);
  blocks.push(`### Errors and traffic mix\n\n${statuses.length ? `Error rate ${pct(c.status.errorRate)} (server errors), client errors ${pct(c.status.clientErrorRate)}.\n\n${mdTable(STATUS_HEADER, statuses, [1, 2])}` : 'The log carries no statuses: no error rate.'}`);
  const routes = routeRows(c);
  blocks.push(routes.length ? `#### Routes and models\n\n${mdTable(ROUTE_HEADER, routes, [1, 2, 3, 4, 5, 6])}${routesNote(c) ? `\n\n${routesNote(c)}` : ''}` : 'The log carries no route or model: no breakdown.');
  const m = c.malformed;
  blocks.push(`### Inputs\n\n${mdTable(FILE_HEADER, fileRows(c), [2, 3, 4])}\n\n${bullets(inputFacts(c))}\n- ${m.count ? `${m.count} malformed line(s) (${pct(m.fraction)} of lines), skipped; more than ${pct(m.maxFraction)} is refused.` : `No malformed lines (more than ${pct(m.maxFraction)} is refused).`}`);
  if (m.first.length) blocks.push(`#### First malformed lines\n\n${mdTable(MALFORMED_HEADER, malformedRows(c), [1])}`);
  if (opts.htmlReport) blocks.push(`<sub>Charts: ${esc(opts.htmlReport)} (open it in a browser; it is self-contained).</sub>`);
  return `${blocks.join('\n\n')}\n`;
}
