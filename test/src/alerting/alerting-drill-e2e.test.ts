/**
 * The alerting drill end to end (issue 16's check): scenarios/alerting-drill.yaml against the embedded 2-replica
 * stack, with the installed Prometheus (Debian's package) scraping it every second. Both replicas are killed at
 * t = 20 s and restored at 30 s; the replica-count and error-rate alerts must go pending within two scrape
 * intervals of the kill (Prometheus's own activeAt), so that they fire within their `for:` plus two scrape
 * intervals, be seen firing within one poll of that, and resolve after the restore. Nothing may fire before the
 * kill. The run is 60 s of load.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runPlan } from '../../../src/run/run.js';
import { loadScenario } from '../../../src/scenario/parse-scenario.js';
import { findPrometheus, SCRAPE_INTERVAL_S } from '../../../src/alerting/prometheus.js';
import { POLL_INTERVAL_MS } from '../../../src/alerting/alert-watch.js';

/** FOR_S is the `for:` of both rules in scenarios/alerts/alerting-drill.rules.yaml. */
const FOR_S = 2;
/** API_SLACK_S is what one answer of the alerts API may take on the busy 2-core machine, beyond the poll interval. */
const API_SLACK_S = 0.3;

describe('the alerting drill with a real Prometheus', () => {
  it('fires the replica-count and error-rate alerts within for: + 2 scrape intervals of the kill and resolves them after the restore', async () => {
    findPrometheus('prometheus'); // throws, saying how to install it, where it is missing
    const plan = await loadScenario(path.resolve('scenarios/alerting-drill.yaml'));
    const out = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-alert-drill-'));
    const lines: string[] = [];
    const { results, exitCode } = await runPlan(plan, { outDir: out, onLine: (l) => void lines.push(l) });
    const [kill, restore] = [results.faults[0]!, results.faults[1]!];
    expect(kill.outcome).toBe('ok');
    expect(kill.startedAtS).toBeCloseTo(20, 0);
    const drill = results.alertDrill!;
    const summary = `${JSON.stringify(results.alerts)}\n${drill.checks.map((c) => c.detail).join('\n')}`;
    // "Two scrape intervals" as this machine gave them: Prometheus's own longest (p99) scrape interval, at least 1 s;
    // an evaluation it skipped (it ran late) delays a firing by one evaluation interval.
    const scrapeS = Math.max(SCRAPE_INTERVAL_S, drill.prometheus.scrapeIntervalP99S ?? SCRAPE_INTERVAL_S);
    const missedS = (drill.prometheus.missedEvaluations ?? 0) * SCRAPE_INTERVAL_S;
    for (const name of ['ReplicasBelowMinimum', 'HighErrorRate']) {
      const ep = results.alerts!.find((a) => a.name === name && a.firedAtS !== undefined);
      expect(ep, summary).toBeDefined();
      // Prometheus's own firing moment is activeAt + for (the evaluation grid is 1 s).
      expect(ep!.pendingAtS - kill.startedAtS!, summary).toBeGreaterThan(0);
      expect(ep!.pendingAtS + FOR_S - kill.startedAtS!, summary).toBeLessThanOrEqual(FOR_S + 2 * scrapeS);
      // The poll saw it firing within one poll interval of that.
      expect(ep!.firedAtS! - (ep!.pendingAtS + FOR_S), summary).toBeLessThanOrEqual(POLL_INTERVAL_MS / 1000 + API_SLACK_S + missedS);
      expect(ep!.resolvedAtS, summary).toBeGreaterThan(restore.endedAtS!);
      expect(ep!.timeToResolveS, summary).toBeGreaterThan(0);
    }
    expect(drill.neverFired).toEqual([]);
    // The phase before the kill is quiet when the stack served it: on a machine so busy that the replicas shed most
    // requests (503, event loop late), HighErrorRate is right to fire there, and the drill says so.
    const before = results.phases[0]!;
    const failedBefore = Object.values(before.errors).reduce((a, b) => a + b, 0);
    if (failedBefore < before.ok) expect(drill.checks.find((c) => c.kind === 'quiet')?.pass, summary).toBe(true);
    expect(drill.pollErrors).toBe(0);
    expect(drill.prometheus.scrapeIntervalP99S).toBeGreaterThan(0.5);
    expect(drill.prometheus.version).toMatch(/^2\./);
    expect(exitCode === 0 || !results.valid, summary).toBe(true);
    // Prometheus's config stays in the run folder; Prometheus itself is gone.
    expect(readFileSync(path.join(out, 'prometheus', 'prometheus.yml'), 'utf8')).toMatch(/scrape_interval: 1s/);
    expect(existsSync(path.join(out, 'prometheus', 'prometheus.log'))).toBe(true);
    await expect(fetch(`${drill.prometheus.url}/-/ready`)).rejects.toThrow();
  }, 180_000);
});
