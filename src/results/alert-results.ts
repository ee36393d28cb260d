/**
 * The alerting drill's part of results.json (docs/results.md "Alerts"): every alert episode that a real Prometheus
 * reported during the run, on the run's clock, and the drill's verdict on the scenario's `alerts.expect` and
 * `alerts.quiet`. Times are seconds from the run's start (t of intervals); a time before the run is negative.
 */

/** AlertRecord is one episode of one alert (a name and label set): pending, perhaps firing, perhaps resolved. */
export interface AlertRecord {
  name: string;
  /** The alert's labels (the rule's and the series'), without alertname. */
  labels: Record<string, string>;
  /** When Prometheus made it active (pending): its activeAt. */
  pendingAtS: number;
  /** When a poll first saw it firing (at most one poll interval late); absent when it never fired. */
  firedAtS?: number;
  /** When a poll first saw it gone after it was active (resolved if it had fired); absent when still active at the end. */
  resolvedAtS?: number;
  /** The expectation (its index in alertDrill.checks) this episode answered, with its delays. */
  expected?: number;
  /** firedAtS minus the fault's or phase's start it is expected for. */
  detectionDelayS?: number;
  /** resolvedAtS minus the moment it was expected to resolve after (the restore). */
  timeToResolveS?: number;
}

/** AlertCheck is the verdict on one expected alert or quiet phase. */
export interface AlertCheck {
  kind: 'fires' | 'quiet';
  /** The alert (fires) or the phase (quiet). */
  name: string;
  /** What it answers: `fault 1 (kill-replica r0)`, `phase outage`. */
  after?: string;
  /** The moment the bound counts from, and the bound (seconds). */
  fromS?: number;
  withinS?: number;
  firedAtS?: number;
  detectionDelayS?: number;
  resolveFromS?: number;
  resolveWithinS?: number;
  resolvedAtS?: number;
  timeToResolveS?: number;
  pass: boolean;
  /** Why, readable. */
  detail: string;
}

/** AlertDrillResult is the alerting drill's verdict and what it ran with. */
export interface AlertDrillResult {
  pass: boolean;
  checks: AlertCheck[];
  /** Expected alerts that never fired at all during the run. */
  neverFired: string[];
  /** The Prometheus that evaluated the rules: its address, version, config (in the run folder) and how often it was asked. */
  prometheus: {
    url: string;
    version?: string;
    config: string;
    rules: string;
    scrapeIntervalS: number;
    evaluationIntervalS: number;
    pollIntervalS: number;
    /** How punctual it was on this machine: its longest scrape interval (0.99 quantile) and skipped evaluations. */
    scrapeIntervalP99S?: number;
    missedEvaluations?: number;
  };
  /** Failed polls of the alerts API, and the last failure. */
  pollErrors: number;
  lastPollError?: string;
}
