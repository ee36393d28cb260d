/**
 * AlertDrill runs the alerting drill of one run (scenario `alerts:`, docs/drills.md "Alerting drill"): it starts
 * Prometheus on the target's metrics before the load, watches its alerts from the run's start, and after the run
 * stops both and judges the episodes against the scenario's expectations. Its files go to `prometheus/` in the run
 * folder (the generated config, the rules' copy and Prometheus's log).
 */
import path from 'node:path';
import type { AlertDrillResult, AlertRecord } from '../results/alert-results.js';
import type { FaultRecord } from '../results/results-schema.js';
import type { AlertsPlan, PhasePlan } from '../scenario/plan.js';
import { judgeAlerts } from './alert-verdict.js';
import { AlertWatch, POLL_INTERVAL_MS } from './alert-watch.js';
import { findPrometheus, type Punctuality, readPunctuality, SCRAPE_INTERVAL_S, type PrometheusServer, startPrometheus } from './prometheus.js';

/** PROMETHEUS_DIR is the run folder's subfolder for Prometheus's files. */
export const PROMETHEUS_DIR = 'prometheus';

/** checkAlertDrill throws GAUNTLET_ERR_PROMETHEUS_MISSING (with how to install it) when the plan's drill cannot run here. */
export function checkAlertDrill(plan: AlertsPlan | undefined): void {
  if (plan) findPrometheus(plan.prometheus);
}

/** AlertDrill is a started alerting drill. */
export class AlertDrill {
  private punctuality: Punctuality = {};

  private constructor(
    private readonly plan: AlertsPlan,
    private readonly server: PrometheusServer,
    private readonly watch: AlertWatch,
  ) {}

  /** start starts Prometheus scraping `metricsUrls` and resolves once it is ready (throws GAUNTLET_ERR_PROMETHEUS_* otherwise). */
  static async start(plan: AlertsPlan, metricsUrls: string[], runDir: string, signal?: AbortSignal): Promise<AlertDrill> {
    const server = await startPrometheus({ binary: plan.prometheus, metricsUrls, rulesFile: plan.rulesFile, dir: path.join(runDir, PROMETHEUS_DIR), ...(signal && { signal }) });
    return new AlertDrill(plan, server, new AlertWatch(server.url));
  }

  /** url is the running Prometheus's address. */
  get url(): string {
    return this.server.url;
  }

  /** begin starts watching the alerts on the run's clock. */
  begin(startEpochMs: number): void {
    this.watch.start(startEpochMs);
  }

  /** episodes are the alert episodes seen so far. */
  get episodes(): AlertRecord[] {
    return this.watch.episodes;
  }

  /** finish polls a last time, stops watching, and reads how punctual Prometheus was (it keeps running until close). */
  async finish(): Promise<void> {
    await this.watch.stop();
    this.punctuality = await readPunctuality(this.server.url);
  }

  /** close stops Prometheus (SIGTERM, then SIGKILL) and removes its storage; safe to call more than once. */
  async close(): Promise<void> {
    await this.server.stop();
  }

  /** result judges the episodes (filling their delays) against the plan's expectations. */
  result(phases: PhasePlan[], faults: FaultRecord[], endS: number): AlertDrillResult {
    const verdict = judgeAlerts(this.plan, this.watch.episodes, phases, faults, endS);
    return {
      ...verdict,
      prometheus: {
        url: this.server.url,
        ...(this.server.version !== undefined && { version: this.server.version }),
        config: path.join(PROMETHEUS_DIR, path.basename(this.server.configFile)),
        rules: this.plan.rulesFile,
        scrapeIntervalS: SCRAPE_INTERVAL_S,
        evaluationIntervalS: SCRAPE_INTERVAL_S,
        pollIntervalS: POLL_INTERVAL_MS / 1000,
        ...this.punctuality,
      },
      pollErrors: this.watch.pollErrors,
      ...(this.watch.lastError !== undefined && { lastPollError: this.watch.lastError }),
    };
  }
}
