/**
 * The "Tokens" section of an LLM run's page: the tokens table per phase, then TTFT and ITL over time, output
 * tokens per second (client and server), the server's sequences and KV cache, and the TTFT and ITL percentile
 * spectra. Nothing at all for a run without tokens.
 */
import type { ResultsFile } from '../results/results-schema.js';
import type { ChartSpec } from './chart-spec.js';
import { chartFigure } from './html-page.js';
import { type Html, html, table } from './html.js';
import { llmServerChart, outputRateChart, sloLimit, tokenSpectrumChart, ttftChart } from './token-charts.js';
import { drainNote, goodputCriteriaNote, hasTokens, TOKEN_GOODPUT, TOKEN_HEADER, TOKEN_NUMERIC, tokenPhaseRows } from './token-facts.js';
import type { Second } from './timeline-data.js';

/** MAX_BADGE_PHASES bounds how many phases the goodput badge names. */
const MAX_BADGE_PHASES = 6;

/** goodputBadge shows each phase's goodput in the headline; nothing for a run without tokens. */
export function goodputBadge(r: ResultsFile): Html {
  const rows = tokenPhaseRows(r);
  if (rows.length === 0) return html``;
  const shown = rows.slice(0, MAX_BADGE_PHASES).map((x) => `${x.phase} ${x.goodput[0]}`);
  if (rows.length > shown.length) shown.push(`${rows.length - shown.length} more`);
  return html`<span class="badge neutral" title="the share of requests that met every per-request token threshold">goodput: ${shown.join(' · ')}</span>`;
}

/** tokenSection renders a run's token figures; `add` registers a chart with the page. */
export function tokenSection(r: ResultsFile, prefix: string, secs: Second[], add: (c: ChartSpec | undefined) => ChartSpec | undefined, heading: (text: string) => Html): Html {
  if (!hasTokens(r)) return html``;
  const rows = tokenPhaseRows(r);
  const parts: Html[] = [heading('Tokens')];
    // The goodput's share and rate on two lines keep the table within a 1000 px page.
  const cells = rows.map((x) => x.cells.map((c, i): string | Html => (i === TOKEN_GOODPUT ? html`${x.goodput[0]}<br><span class="muted">${x.goodput[1]}</span>` : c)));
  parts.push(table(TOKEN_HEADER, cells, { numeric: TOKEN_NUMERIC, className: 'compact' }));
  parts.push(
    html`<p class="muted">From the successful responses that streamed tokens, all from each request's intended send time. TTFT: the first token's arrival; ITL: every gap between tokens; TPOT: per request, (last − first token) ÷ (output tokens − 1). Tokens per request are counts (p50); output tok/s counts the output tokens that arrived within the phase's window, per second of it. ${drainNote(r)} ${goodputCriteriaNote(rows)}</p>`,
  );
  const ttftLimit = sloLimit(r, 'ttftP99Ms');
  parts.push(
    chartFigure(
      add(ttftChart(`${prefix}-ttft-time`, r, secs)),
      'Time to first token and inter-token latency per second',
      html`TTFT p50 and p99 of the responses that completed in each second, and the p99 of their gaps between tokens (ITL, dashed), on a logarithmic scale. TTFT carries the queueing and the prefill: it climbs when requests wait for a place in the running batch. ITL carries the decode: it climbs when the batch grows and each step takes longer${ttftLimit !== undefined ? html`; the red dashed line is the SLO's TTFT p99 (${ttftLimit} ms)` : ''}.`,
    ),
  );
  const llm = r.server?.intervals.some((s) => s.llm) ?? false;
  parts.push(
    chartFigure(
      add(outputRateChart(`${prefix}-tokens-rate`, r, secs)),
      'Output tokens per second',
      `Output tokens of the responses that completed in each second, as gauntlet counted them${llm ? ', beside the tokens the server says it generated in that second (dashed, from its metrics): the server counts tokens as it makes them, the client when a response ends, so the client\'s line is burstier and lags a little' : ''}. A plateau while the offered rate rises is the server's decode capacity.`,
    ),
  );
  if (llm) {
    parts.push(
      chartFigure(
        add(llmServerChart(`${prefix}-llm-server`, r, secs)),
        'The server\'s sequences and KV cache',
        'From the server\'s vLLM metrics, scraped every second: sequences in the running batch and sequences waiting for a place in it (left axis), and the share of the KV cache in use (right axis, dashed). Waiting sequences that pile up while running stays at its limit mean the server is saturated: new requests queue, and their TTFT grows.',
      ),
    );
  }
  const ttftSpec = add(tokenSpectrumChart(`${prefix}-ttft-spectrum`, r, 'ttft'));
  const itlSpec = add(tokenSpectrumChart(`${prefix}-itl-spectrum`, r, 'itl'));
  parts.push(
    chartFigure(ttftSpec, 'TTFT by percentile, per phase', 'Each line is one phase\'s full TTFT distribution, read from its HDR histogram, on HdrHistogram\'s percentile axis (90 %, 99 %, 99.9 % equally far apart). A line ends where the phase ran out of requests to tell a higher percentile.'),
    chartFigure(itlSpec, 'ITL by percentile, per phase', 'Each line is one phase\'s distribution of every gap between tokens (many per request, so the lines reach further into the tail). A step in the tail is the decode stalling: a prefill of a new sequence run between decode steps, or the batch waiting.'),
  );
  return html`${parts}`;
}
