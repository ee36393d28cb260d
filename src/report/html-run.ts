/**
 * The HTML sections of one run: verdict and warnings first, "what happened", the phase table, then the charts
 * (latency, rates, failures over time; the percentile spectrum; an LLM run's tokens; the server's view; each fault
 * up close), each with a caption on how to read it, and the details a reader may need to reproduce the run.
 */
import { ALERT_HEADER, alertRows, alertVerdictText, CHECK_HEADER, checkRows } from './alert-view.js';
import { showsDegradation } from '../faults/degradation.js';
import { gracefulCell } from '../faults/graceful.js';
import type { ResultsFile } from '../results/results-schema.js';
import type { ChartSpec } from './chart-spec.js';
import { FAULT_TOKEN_HEADER, faultChart, faultRows, faultTokenRows } from './drill-data.js';
import { GUARD_HEADER, guardRows, guardVerdictText } from './guard-data.js';
import { count, ms, pct, rps, seconds as fmtSeconds } from './format.js';
import { chartFigure } from './html-page.js';
import { type Html, html, raw, table } from './html.js';
import type { RunInput } from './load-inputs.js';
import { phaseRows, runVerdict, runWarnings, type Warning, whatHappened } from './run-facts.js';
import { batchChart, hasTritonView, serverPhaseRows, serverTimeChart } from './server-data.js';
import { scaleRows, spikeRows } from './scale-data.js';
import { spectrumChart } from './spectrum-data.js';
import { goodputBadge, tokenSection } from './html-tokens.js';
import { errorsChart, latencyChart, p99Limit, rateChart, secondsOf } from './timeline-data.js';

/** verdictBadges shows a run's verdict as coloured badges. */
export function verdictBadges(r: ResultsFile): Html {
  const v = runVerdict(r);
  const state = v.stateText ? html`<span class="badge bad">⛔ ${v.stateText}</span>` : '';
  const slo = v.slo === 'none' || v.slo === 'not-run' ? html`<span class="badge neutral">${v.sloText}</span>` : v.slo === 'met' ? html`<span class="badge good">✓ ${v.sloText}</span>` : html`<span class="badge bad">✗ ${v.sloText}</span>`;
  const valid = v.valid ? html`<span class="badge good">✓ measurement valid</span>` : html`<span class="badge bad">⚠ ${v.validityText}</span>`;
  const g = guardVerdictText(r);
  const guards = !g ? '' : g.includes('FAILED') ? html`<span class="badge bad">✗ ${g}</span>` : html`<span class="badge good">✓ ${g}</span>`;
  return html`<div class="verdict">${state}${slo}${guards}${valid}${goodputBadge(r)}</div>`;
}

/** warningsBox lists warnings in a box nobody can miss (nothing when there are none). */
export function warningsBox(warnings: Warning[], title = 'Read this first'): Html {
  if (warnings.length === 0) return html``;
  const hard = warnings.some((w) => w.severity === 'error');
  return html`<section class="warnings${hard ? '' : ' soft'}" role="alert"><h2>⚠ ${title}</h2><ul>${warnings.map((w) => html`<li class="${w.severity}">${w.text}</li>`)}</ul></section>`;
}

/** runSections renders one run; `prefix` keeps chart ids unique when several runs share a page. */
export function runSections(input: RunInput, prefix: string, charts: ChartSpec[], opts: { standalone: boolean }): Html {
  const r = input.results;
  const add = (c: ChartSpec | undefined): ChartSpec | undefined => {
    if (c) charts.push(c);
    return c;
  };
  const secs = secondsOf(r.intervals);
  const h = opts.standalone ? 'h2' : 'h3';
  const heading = (text: string): Html => html`<${raw(h)}>${text}</${raw(h)}>`;
  const parts: Html[] = [];
  if (!opts.standalone) {
    parts.push(html`<h2 id="${prefix}">${input.label}</h2><p class="subtitle">${subtitle(r)}</p>${verdictBadges(r)}${warningsBox(runWarnings(r), `Warnings for ${input.label}`)}`);
    parts.push(html`<div class="summary"><strong>What happened</strong><ul>${whatHappened(r).map((s) => html`<li>${s}</li>`)}</ul></div>`);
  }
  parts.push(heading('Phases'), phaseTable(r));
  const limit = p99Limit(r);
  parts.push(heading('Over time'));
  parts.push(
    chartFigure(
      add(latencyChart(`${prefix}-latency`, r, secs)),
      'Latency per second',
      html`p50, p90 and p99 of the requests that succeeded in each second, on a logarithmic scale, measured from each request's intended send time (so a stalled server cannot hide). Shaded bands are the phases${limit !== undefined ? html`; the red dashed line is the SLO's p99 (${limit} ms): p99 above it in a checked phase fails the SLO` : ''}${r.faults.length ? '; purple dashed lines mark faults' : ''}. A p99 far above the p50 means a few requests waited a long time (queueing, retries, stalls).`,
    ),
  );
  parts.push(
    chartFigure(
      add(rateChart(`${prefix}-rate`, r, secs)),
      'Offered and achieved rate',
      'Requests the plan scheduled in each second (offered, dashed), the requests actually sent, and the responses that succeeded. Sent below offered means the load generator fell behind or dropped requests (max_in_flight); succeeded below sent means the target failed requests or answered them later (a backlog).',
    ),
  );
  const errs = add(errorsChart(`${prefix}-errors`, r, secs));
  parts.push(
    errs
      ? chartFigure(errs, 'Failures by code', 'Failed requests per second, one line per outcome code: HTTP_503 / GRPC_UNAVAILABLE are requests the target turned away, TIMEOUT requests that waited longer than the target\'s timeout, DROPPED requests the generator could not send because max_in_flight requests were outstanding, ECONNRESET / ECONNREFUSED connections that broke or were refused.')
      : html`<p class="muted">No request failed in this run, so there is no failure chart.</p>`,
  );
  const spectrum = add(
    spectrumChart(
      `${prefix}-spectrum`,
      r.phases.map((p) => ({ label: p.name, histogram: p.histogram })),
      limit !== undefined ? { y: limit, label: `SLO p99 ${limit} ms` } : undefined,
    ),
  );
  parts.push(heading('Latency by percentile'));
  parts.push(
    chartFigure(
      spectrum,
      'Percentile spectrum per phase',
      'Each line is one phase\'s full latency distribution, read from its HDR histogram: the latency (log scale, up) below which a given share of requests finished (right). The axis stretches the tail, as HdrHistogram plots do: 90 %, 99 %, 99.9 % and 99.99 % are equally far apart, so the rare slow requests are as visible as the median. A line ends where the phase ran out of requests to tell a higher percentile (its last point is the slowest request). A flat line is a uniform service; a knee shows where queueing starts.',
    ),
  );
  parts.push(tokenSection(r, prefix, secs, add, heading));
  if (hasTritonView(r)) {
    parts.push(heading('The server\'s view'));
    parts.push(
      chartFigure(
        add(serverTimeChart(`${prefix}-server-time`, r, secs)),
        'Where the time went: client against server',
        'From the target\'s own metrics, scraped every second: the mean time a request spent inside the server (request), waiting in its queue for a batch or a free instance (queue), and computing (compute: input, inference and output), beside the client\'s p50. Queue time that grows with the load means the server is saturated; a client p50 well above the server\'s request time means time went outside the server (network, connection queueing, the client).',
      ),
    );
    parts.push(
      chartFigure(
        add(batchChart(`${prefix}-batch`, r, secs)),
        'Batching',
        'The mean number of requests the server ran together per execution (left axis), and inferences and executions per second (right axis). With dynamic batching, the batch grows with the load: inferences rise faster than executions. A mean batch of 1 under heavy load means batching is off or the queue delay too short to gather requests.',
      ),
    );
    const rows = serverPhaseRows(r);
    if (rows.length) {
      parts.push(
        table(
          ['phase', 'client p50 ms', 'server request ms', 'queue ms', 'inference ms', 'mean batch', 'server requests/s'],
          rows.map((s) => [s.phase, s.clientP50Ms === null ? '-' : ms(s.clientP50Ms * 1000), ms(s.serverRequestMs * 1000), ms(s.queueMs * 1000), ms(s.computeInferMs * 1000), s.meanBatch.toFixed(2), rps(s.requestsPerS)]),
          { numeric: [1, 2, 3, 4, 5, 6] },
        ),
      );
    }
  } else if (r.server?.scrapeError) parts.push(html`<p class="muted">The server's metrics could not be read (${r.server.scrapeError}).</p>`);
  const shed = r.phases.filter(showsDegradation);
  if (shed.length) {
    parts.push(heading('Graceful degradation'));
    parts.push(html`<p>How each phase with failures, or whose latency degraded, split its requests: served (accepted), turned away fast (rejected: 503, UNAVAILABLE, RESOURCE_EXHAUSTED), and everything else (timeouts, resets, DROPPED). A stack that degrades gracefully rejects the excess quickly, keeps the accepted requests' latency within the SLO, lets none time out, and is back within its SLO soon after the overload (the rule: docs/drills.md, Graceful degradation).</p>`);
    parts.push(
      table(
        ['phase', 'accepted', 'rejected', 'rejected share', 'other failures', 'accepted p50 ms', 'accepted p99 ms', 'latency degraded', 'graceful'],
        shed.map((p) => {
          const d = p.degradation!;
          return [p.name, count(d.accepted), count(d.rejected), pct(d.rejectedShare), count(d.otherFailed), ms(d.acceptedLatencyUs.p50), ms(d.acceptedLatencyUs.p99), d.latencyDegraded ?? '-', gracefulCell(d).slice(0, d.graceful === false ? 2 : undefined)];
        }),
        { numeric: [1, 2, 3, 4, 5, 6] },
      ),
    );
    const notGraceful = shed.filter((p) => p.degradation!.graceful === false);
    if (notGraceful.length) parts.push(html`<ul>${notGraceful.map((p) => html`<li>${p.name}: not graceful: ${(p.degradation!.reasons ?? []).join('; ')}</li>`)}</ul>`);
  }
  if (r.scaleEvents?.length) parts.push(heading('Autoscaler'), scaleSection(r));
  if (r.faults.length) parts.push(heading('Faults'), faultSection(r, prefix, secs, add));
  if (r.alerts) {
    parts.push(heading('Alerting drill'), html`<p>${alertVerdictText(r)} Orange lines on the timeline mark where alerts fired, green where they resolved.</p>`);
    if (r.alerts.length) parts.push(table(ALERT_HEADER, alertRows(r), { numeric: [2, 3, 4, 5, 6] }));
    if (r.alertDrill?.checks.length) parts.push(table(CHECK_HEADER, checkRows(r)));
  }
  if (r.errorSamples.length) {
    parts.push(heading('Error messages'));
    parts.push(table(['code', 'message from the target'], r.errorSamples.slice(0, 12).map((e) => [e.code, e.message])));
  }
  parts.push(detailsBlock(input));
  return html`${parts}`;
}

function phaseTable(r: ResultsFile): Html {
  const rows = phaseRows(r);
  return html`${table(
    ['phase', 'offered/s', 'sent/s', 'ok/s', 'p50 ms', 'p90 ms', 'p99 ms', 'p99.9 ms', 'max ms', 'failed', 'error rate', 'SLO'],
    rows.map((p) => [
      p.ran ? html`${p.name} <span class="muted">(${p.ran})</span>` : p.name,
      p.offered,
      p.sent,
      p.ok,
      p.p50,
      p.p90,
      p.p99,
      p.p999,
      p.max,
      p.errors,
      p.errorRate,
      p.slo === 'pass' ? html`<span class="pass">pass</span>` : p.slo === 'FAIL' ? html`<span class="fail" title="${p.failedChecks.join('; ')}">FAIL</span>` : p.slo,
    ]),
    { numeric: [1, 2, 3, 4, 5, 6, 7, 8, 10] },
  )}<p class="muted">Latency is in milliseconds, of successful requests only (a fast error cannot make it look better); failures are counted by code. ${r.slo.checks.length ? 'SLO: every threshold of the phase held (pass) or one did not (FAIL); "-" phases are not checked (warm-up).' : ''}${rows.some((p) => p.ran) ? ' A phase cut short shows how long it ran, and its rates are per second of that time; a phase that did not run has its SLO checks marked not run (neither met nor failed).' : ''}</p>`;
}

function scaleSection(r: ResultsFile): Html {
  const out: Html[] = [
    html`<p>Each change of the embedded stack's replica count the autoscaler decided (green lines on the time charts: the decision, and when a scale-up's replicas were ready). <em>Reason</em> is the signal per ready replica against its target, and the HPA's recommendation; <em>limited by</em> says what held the change back (tolerance, stabilisation window, policy, min or max); <em>ready after</em> is the cold start the scale-up waited for (spawn, load, warm up and any extra), or how long a scale-down drained.</p>`,
    table(['at', 'change', 'reason', 'limited by', 'ready after'], scaleRows(r), { numeric: [0, 4] }),
  ];
  if (r.spikes?.length) {
    out.push(
      html`<p>The spike drill: each step up in load (a phase at least three times the rate before it), the first scale-up decision after it, and the <em>lag</em> from the step until the replicas of the phase's last scale-up were ready. Over the lag's seconds: requests sent, shed (503 / UNAVAILABLE), timed out, failed otherwise, and answered later than the phase's p99 SLO (docs/drills.md#the-spike-drill).</p>`,
      table(['phase', 'step at', 'decided after', 'lag', 'replicas', 'sent', 'shed', 'timed out', 'other failed', 'late'], spikeRows(r), { numeric: [1, 2, 3, 5, 6, 7, 8, 9] }),
    );
  }
  return html`${out}`;
}

function faultSection(r: ResultsFile, prefix: string, secs: ReturnType<typeof secondsOf>, add: (c: ChartSpec | undefined) => ChartSpec | undefined): Html {
  const rows = faultRows(r);
  const out: Html[] = [
    html`<p>Each fault was injected on purpose while the load ran. <em>Failed</em> counts the requests that failed in the fault's window (by code); <em>lost</em> requests were sent and never answered (must be 0); <em>recovery</em> is the time from the fault (a timed fault's end) until every ${r.plan.drill?.recoveryWindowS ?? 3}-second window's p99 was back within the SLO with no errors; <em>cold start</em> is how long the replacement replica took from spawn to ready; throughput is successful requests per second before → during → after.</p>`,
    table(
      ['#', 'fault', 'at', 'outcome', 'failed', 'lost', 'worst p99', 'recovery', 'cold start', 'throughput/s'],
      rows.map((f) => [String(f.index), f.label, f.at, f.ok ? f.outcome : html`<span class="fail">${f.outcome}</span>`, f.failed, f.lost, f.worstP99, f.recovery, f.coldStart, f.throughput]),
      { numeric: [0, 5] },
    ),
  ];
  const guards = guardRows(r);
  if (guards.length) {
    out.push(
      html`<p>Rollout guards: after a guarded repository step, a breach is <em>window</em> seconds in a row over the guard's p99 or error rate. <em>Detected at</em> is when the guard saw it (after the step); the verdict fails when that is later than detect_within or the rollback failed. The <em>damage window</em> runs from the first breaching second to the first second back within the guard after the rollback, with the requests that failed or took longer than the guard's p99 in it.</p>`,
      table(GUARD_HEADER, guards.map((g) => g.cells.map((c, i) => (i === 2 && !g.pass ? html`<span class="fail" title="${g.reason}">${c}</span>` : c))), { numeric: [0, 7, 8, 9] }),
    );
  }
  const tokenRows = faultTokenRows(r);
  if (tokenRows.length) {
    out.push(
      html`<p>What each fault did to the token streams: streams cut mid-answer (a stream cannot be retried once tokens were sent), output tokens the fault's seconds fell short of the pre-fault rate, TTFT p99 per second (the median before, the worst second in the window, the median after) and when every window's TTFT p99 was back within 2× its pre-fault level with no errors.</p>`,
      table(FAULT_TOKEN_HEADER, tokenRows, { numeric: [0, 2, 3] }),
    );
  }
  for (const f of r.faults) {
    const row = rows.find((x) => x.index === f.index + 1)!;
    out.push(
      chartFigure(
        add(faultChart(`${prefix}-fault-${f.index + 1}`, r, f, secs)),
        `Fault #${f.index + 1}: ${row.label}`,
        html`${row.detail ? html`Outcome: ${row.detail}. ` : ''}${row.recoveryNote ? html`Recovery: ${row.recoveryNote}. ` : ''}The shaded span is the fault's window; the line is the p99 of each second (log scale, left), the grey steps the failed requests per second (right)${f.drill?.recovery.recoveredAtS !== null && f.drill?.recovery.recoveryS !== 0 ? ', the green line the moment the target was back within its SLO' : ''}.`,
      ),
    );
  }
  return html`${out}`;
}

/** subtitle is the one-line context of a run: target, model, when, how long. */
export function subtitle(r: ResultsFile): string {
  const total = r.phases.reduce((n, p) => n + p.durationS, 0);
  const ran = r.phases.reduce((n, p) => n + (p.elapsedS ?? p.durationS), 0);
  const span = ran < total ? `${fmtSeconds(ran)} of ${fmtSeconds(total)}` : fmtSeconds(total);
  return `${r.target.name}${r.target.model ? ` · model ${r.target.model}` : ''} · ${r.target.protocol} · started ${r.startedAt} · ${span} · ${r.phases.length} phase${r.phases.length === 1 ? '' : 's'}`;
}

function detailsBlock(input: RunInput): Html {
  const r = input.results;
  const rows: [string, string][] = [
    ['results file', input.path],
    ['scenario', `${r.scenario.name}${r.scenario.file ? ` (${r.scenario.file})` : ''}`],
    ...(r.scenario.description ? [['description', r.scenario.description] as [string, string]] : []),
    ['target', `${r.target.name} (${r.target.protocol} ${r.target.url})${r.target.embedded ? ', embedded' : ''}${r.target.replicas ? `, ${r.target.replicas} replicas` : ''}`],
    ...(r.target.costPerHour !== undefined ? [['cost per hour', String(r.target.costPerHour)] as [string, string]] : []),
    ['seed', String(r.scenario.seed)],
    ['duration scale', String(r.scenario.durationScale)],
    ['started, ended', `${r.startedAt} – ${r.endedAt ?? '(not ended)'}`],
    ['status', r.incomplete ? `running in the file; read as ${r.incomplete.state === 'in-progress' ? 'in progress' : 'interrupted'}: ${r.incomplete.note}` : r.status],
    ...(r.heartbeat ? [['last written', `${r.heartbeat.updatedAt} by process ${r.heartbeat.pid} on ${r.heartbeat.host}`] as [string, string]] : []),
    ['load generator', `${r.generator.workers} worker(s); send lag p99 ${ms(r.generator.sendLagUs.p99)} ms; ${pct(r.generator.lateFraction)} of sends over 1 ms late`],
    ['totals', `${count(r.totals.scheduled)} scheduled, ${count(r.totals.sent)} sent, ${count(r.totals.ok)} ok, ${count(r.totals.failed)} failed, ${count(r.totals.dropped)} dropped, ${count(r.totals.lost)} lost`],
    ['gauntlet', r.tool.version],
  ];
  return html`<details><summary>Run details</summary>${table(['', ''], rows)}</details>`;
}
