/**
 * The drill's Prometheus as a process (src/alerting/prometheus.ts), with the installed binary: it dies within 2 s
 * when gauntlet is SIGKILLed (setpriv --pdeathsig), and a rule file it rejects fails the start at once with its
 * own words (GAUNTLET_ERR_PROMETHEUS_FAILED, exit 3), its storage removed.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findPrometheus, startPrometheus } from '../../../src/alerting/prometheus.js';
import { ERROR_CODES } from '../../../src/errors.js';
import { alive, descendants, pollUntil, ROOT } from '../../helpers/process-tree.js';

const RULES = 'groups:\n  - name: g\n    rules:\n      - {alert: Down, expr: up == 0, for: 1s}\n';

describe('the drill Prometheus', () => {
  it('dies within 2 s of a SIGKILL of its parent', async () => {
    findPrometheus('prometheus');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-prom-'));
    writeFileSync(path.join(dir, 'rules.yaml'), RULES);
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/src/alerting/fixtures/start-prometheus.ts'), path.join(dir, 'run'), path.join(dir, 'rules.yaml')], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      let out = '';
      child.stdout.on('data', (b: Buffer) => (out += b.toString()));
      expect(await pollUntil(() => out.includes('READY'), 60_000)).toBe(true);
      const url = /READY (\S+)/.exec(out)![1]!;
      expect((await fetch(`${url}/-/ready`)).status).toBe(200);
      const tree = descendants(child.pid!);
      expect(tree.length).toBeGreaterThanOrEqual(1);
      child.kill('SIGKILL');
      expect(await pollUntil(() => tree.every((p) => !alive(p)), 2000)).toBe(true);
    } finally {
      child.kill('SIGKILL');
    }
  }, 90_000);

  it('fails the start with Prometheus\'s own words when it rejects the rule file', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-prom-'));
    writeFileSync(path.join(dir, 'bad.yaml'), 'groups:\n  - name: g\n    rules:\n      - {alert: Bad, expr: "sum(("}\n');
    const err = await startPrometheus({ binary: 'prometheus', metricsUrls: ['http://127.0.0.1:9/metrics'], rulesFile: path.join(dir, 'bad.yaml'), dir: path.join(dir, 'run') }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'GAUNTLET_ERR_PROMETHEUS_FAILED', message: expect.stringMatching(/did not come up.*exited[\s\S]*rules\.yaml.*could not parse expression/) });
    expect(ERROR_CODES.GAUNTLET_ERR_PROMETHEUS_FAILED.exit).toBe(3);
  }, 60_000);
});
