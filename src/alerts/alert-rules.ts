/**
 * buildRules turns AlertInputs into a Prometheus rule file (groups → alerting rules), each rule with its `for:`,
 * its severity and, in its annotations, the figure it checks and why. The severity rule: `page` when users are
 * getting late or failed answers now (latency p99, errors, shedding beyond the error budget, replicas below the
 * minimum); `ticket` for what warns of that or wastes money (queue depth, the GPU floor and ceiling). Page rules
 * wait `forS`, ticket rules `ticketForS` (docs/alerts.md).
 */
import { stringify } from 'yaml';
import type { AlertInputs } from './alert-inputs.js';
import { promDuration } from './prom-duration.js';

/** AlertOptions are the command's validated options (seconds, fractions). */
export interface AlertOptions {
  forS: number;
  ticketForS: number;
  windowS: number;
  scrapeIntervalS: number;
  job?: string;
  minReplicas?: number;
  gpu: boolean;
  gpuFloor: number;
  gpuCeiling: number;
}

/** AlertRule is one Prometheus alerting rule. */
export interface AlertRule {
  alert: string;
  expr: string;
  for: string;
  labels: { severity: 'page' | 'ticket' };
  annotations: { summary: string; description: string };
}

/** RuleFile is a Prometheus rule file. */
export interface RuleFile {
  groups: { name: string; rules: AlertRule[] }[];
}

/** DEFAULT_ERROR_BUDGET is the error (and shed) rate budget when neither the scenario nor the baseline gives one. */
export const DEFAULT_ERROR_BUDGET = 0.01;

/** buildRules makes the rules and the notes to print (rules left out, and why). */
export function buildRules(inputs: AlertInputs, o: AlertOptions): { file: RuleFile; notes: string[] } {
  const rules: AlertRule[] = [];
  const notes: string[] = [];
  const sel = (extra = ''): string => {
    const parts = [o.job === undefined ? '' : `job=${JSON.stringify(o.job)}`, extra].filter(Boolean);
    return parts.length ? `{${parts.join(',')}}` : '';
  };
  const w = promDuration(o.windowS);
  const rate = (name: string, extra = ''): string => `sum(rate(${name}${sel(extra)}[${w}]))`;
  const page = (alert: string, expr: string, summary: string, why: string): void =>
    void rules.push({ alert, expr, for: promDuration(o.forS), labels: { severity: 'page' }, annotations: { summary, description: `${why} ${PAGE_WHY(o)}` } });
  const ticket = (alert: string, expr: string, summary: string, why: string): void =>
    void rules.push({ alert, expr, for: promDuration(o.ticketForS), labels: { severity: 'ticket' }, annotations: { summary, description: `${why} ${TICKET_WHY(o)}` } });
  const triton = inputs.metrics === 'triton';
  const replicas = o.minReplicas ?? inputs.replicas.value;
  const replicasWhy = o.minReplicas !== undefined ? `--min-replicas ${o.minReplicas}` : inputs.replicas.why;
  if (!inputs.hasSlo) notes.push(`${inputs.name} has no latency or error SLO: only the error-rate (budget ${pct(DEFAULT_ERROR_BUDGET)}), shedding and replica rules are made`);

  // Latency: p99 over the rate window, from the server's histogram.
  if (triton && inputs.p99Ms) {
    const expr = `histogram_quantile(0.99, sum by (le, model) (rate(nv_inference_first_response_histogram_ms_bucket${sel()}[${w}]))) > ${inputs.p99Ms.value}`;
    page('GauntletLatencyP99High', expr, `p99 latency of a model above ${inputs.p99Ms.value} ms`, `Threshold: ${inputs.p99Ms.why}. Triton's first-response histogram (ms) is the server's whole request time for a model that answers once.`);
  }
  if (!triton && inputs.ttftP99Ms) {
    const s = inputs.ttftP99Ms.value / 1000;
    const expr = `histogram_quantile(0.99, sum by (le, model_name) (rate(vllm:time_to_first_token_seconds_bucket${sel()}[${w}]))) > ${s}`;
    page('GauntletTtftP99High', expr, `TTFT p99 of a model above ${inputs.ttftP99Ms.value} ms`, `Threshold: ${inputs.ttftP99Ms.why}, in seconds as vLLM's histogram counts.`);
  }
  if (!triton && inputs.p99Ms) {
    const expr = `histogram_quantile(0.99, sum by (le, model_name) (rate(vllm:e2e_request_latency_seconds_bucket${sel()}[${w}]))) > ${inputs.p99Ms.value / 1000}`;
    page('GauntletLatencyP99High', expr, `end-to-end p99 of a model above ${inputs.p99Ms.value} ms`, `Threshold: ${inputs.p99Ms.why}, in seconds as vLLM's histogram counts.`);
  }
  if ((triton && !inputs.p99Ms) || (!triton && !inputs.ttftP99Ms && !inputs.p99Ms)) notes.push(`no latency rule: ${inputs.name} sets no ${triton ? 'p99_ms' : 'ttft_p99_ms, ttft_ms or p99_ms'}`);

  // Errors: failed ÷ answered. Requests no replica could take are counted by the router only.
  const budget = inputs.errorRate ?? { value: DEFAULT_ERROR_BUDGET, why: `no error_rate SLO, so the default budget ${pct(DEFAULT_ERROR_BUDGET)}` };
  const noReplica = replicas > 1 ? ` + (${rate('gauntlet_router_requests_total', 'replica="none"')} or vector(0))` : '';
  if (triton) {
    const failed = `${rate('nv_inference_request_failure')}${noReplica}`;
    page('GauntletErrorRateHigh', `(${failed}) / (${rate('nv_inference_request_success')} + ${failed}) > ${budget.value}`, `more than ${pct(budget.value)} of inference requests fail`, `Threshold: ${budget.why}. Failures are Triton's nv_inference_request_failure${replicas > 1 ? ' plus the router\'s requests that no replica could take' : ''}.`);
  } else if (replicas > 1) {
    const failed = rate('gauntlet_router_requests_total', 'code=~"5..|refused|reset|timeout"');
    page('GauntletErrorRateHigh', `${failed} / ${rate('gauntlet_router_requests_total')} > ${budget.value}`, `more than ${pct(budget.value)} of requests through the router fail`, `Threshold: ${budget.why}. vLLM's metrics count no failures, so the router's answers are counted (5xx, refused, reset, timeout).`);
  } else {
    notes.push('no error-rate rule: vLLM\'s metrics (and the reference LLM\'s) count no failed requests, and one server has no router to count them; the client measures them (gauntlet run)');
  }

  // Shedding: requests refused at once (503) by admission control, which no model counts as failed.
  const shed = `(${rate('gauntlet_inference_shed_total')} or vector(0)) + (${rate('gauntlet_router_shed_total')} or vector(0))`;
  const served = triton ? `${rate('nv_inference_request_success')} + (${rate('nv_inference_request_failure')} or vector(0))` : rate('vllm:request_success_total');
  page('GauntletSheddingHigh', `(${shed}) / (${shed} + ${served}) > ${budget.value}`, `more than ${pct(budget.value)} of requests are shed (503)`, `Threshold: ${budget.why}: a shed request fails for its client, so shedding alone may use up the error budget. Counted by gauntlet_inference_shed_total (server admission) and gauntlet_router_shed_total (router).`);

  // Queue depth: Little's law at the peak rate and the latency budget.
  const latencyMs = triton ? inputs.p99Ms : (inputs.ttftP99Ms ?? inputs.p99Ms);
  if (inputs.peakRps && latencyMs) {
    const bound = Math.max(1, Math.ceil((inputs.peakRps.value * latencyMs.value) / 1000));
    const gauge = triton ? 'nv_inference_pending_request_count' : 'vllm:num_requests_waiting';
    ticket('GauntletQueueDepthHigh', `sum(${gauge}${sel()}) > ${bound}`, `more than ${bound} requests wait in the queues`, `Bound: ${inputs.peakRps.why} × ${latencyMs.why} (Little's law: at that rate, a request behind more than ${bound} waiting ones waits longer than the latency budget).`);
  } else {
    notes.push('no queue-depth rule: it needs a peak rate and a latency budget (p99_ms or ttft_p99_ms)');
  }

  // Replicas: ready replicas behind the router, or whether the single server answers its scrape at all.
  const count = replicas > 1 ? `(sum(gauntlet_router_replica_up${sel()}) or vector(0))` : `(sum(up${sel()}) or vector(0))`;
  page('GauntletReplicasBelowMinimum', `${count} < ${replicas}`, `fewer than ${replicas} replica${replicas > 1 ? 's' : ''} ready`, `Minimum: ${replicasWhy}. ${replicas > 1 ? 'Counted by the router\'s gauntlet_router_replica_up; a router that is gone counts 0.' : 'One server: its scrape target is up or not (up).'}`);
  if (o.job === undefined && replicas <= 1) notes.push('without --job, the replica rule counts every scrape target\'s up: give --job the job that scrapes the server');

  if (o.gpu) {
    const util = `avg(nv_gpu_utilization${sel()})`;
    ticket('GauntletGpuUtilizationLow', `${util} < ${o.gpuFloor}`, `GPU utilisation below ${pct(o.gpuFloor)}`, `Floor: --gpu-floor ${o.gpuFloor}: GPUs this idle are paid for and not used; fewer replicas or a smaller GPU would do.`);
    ticket('GauntletGpuUtilizationHigh', `${util} > ${o.gpuCeiling}`, `GPU utilisation above ${pct(o.gpuCeiling)}`, `Ceiling: --gpu-ceiling ${o.gpuCeiling}: a GPU this busy queues work, and latency rises next; add capacity.`);
  } else {
    notes.push('no GPU rules: scenarios name no GPU provider; --gpu adds the utilisation floor and ceiling (nv_gpu_utilization)');
  }
  return { file: { groups: [{ name: `gauntlet-${inputs.name}`, rules }] }, notes };
}

/** ruleFileText renders a rule file as YAML (no folded lines), headed by the command that made it. */
export function ruleFileText(file: RuleFile, command: string): string {
  return `# Prometheus alerting rules made by \`${command}\` (docs/alerts.md)\n${stringify(file, { lineWidth: 0 })}`;
}

const PAGE_WHY = (o: AlertOptions): string =>
  `Severity page: users get late or failed answers now. for ${promDuration(o.forS)} (--for): the condition must hold that long, ${(o.forS / o.windowS).toFixed(1)} rate windows of ${promDuration(o.windowS)}, so one burst does not page.`;
const TICKET_WHY = (o: AlertOptions): string =>
  `Severity ticket: a warning or waste, not yet harm. for ${promDuration(o.ticketForS)} (--ticket-for): only a lasting state is worth a ticket.`;

function pct(v: number): string {
  return `${Number((v * 100).toPrecision(3))} %`;
}
