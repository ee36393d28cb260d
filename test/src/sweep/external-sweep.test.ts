/**
 * Sweeping your own server, end to end against the real reference server driven as a user drives Triton: a
 * config template rendered into the server's model repository, then (a) a redeploy script that restarts a
 * `gauntlet serve` in the background, or (b) the repository extension's model load without a restart. One
 * combination's config is invalid: it is recorded failed with the reason and the output, and the sweep goes on.
 * The user's config file is restored at the end. Tests start the built CLI (`npm run build`).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSweep } from '../../../src/sweep/parse-sweep.js';
import { runSweep, type SweepOutcome } from '../../../src/sweep/run-sweep.js';
import { CLI, serveCli, type Served } from '../../helpers/cli.js';
import { httpRequest, json } from '../../helpers/reference-client.js';
import { makeRepository, tinyMlpConfig } from '../../helpers/test-repo.js';

const BASE = `
name: mine
seed: 5
request: {model: tiny, inputs: [{name: input, datatype: FP32, shape: [1, 16], data: random}]}
slo: {p99_ms: 2000, error_rate: 0.05}
phases:
  - {name: steady, duration: 1s, rate: 20}
`;

// The template of the user's config.yaml: max_batch_size and the instance count are swept.
const TEMPLATE = `name: tiny
max_batch_size: {{max_batch_size}}
input: [{name: input, data_type: TYPE_FP32, dims: [16]}]
output: [{name: output, data_type: TYPE_FP32, dims: [4]}]
instance_group: [{count: {{instances}}, kind: KIND_CPU}]
intra_op_threads: 1
`;

/** restartScript is a user's redeploy script: stop the old server, start a new one in the background, wait for its verdict. */
function restartScript(repo: string, port: number): string {
  return `#!/bin/sh
echo "applying max_batch_size=$GAUNTLET_VAR_MAX_BATCH_SIZE to $GAUNTLET_CONFIG_FILE"
echo "$GAUNTLET_VAR_MAX_BATCH_SIZE" >> applied.txt
if [ -f server.pid ]; then
  old=$(cat server.pid)
  kill "$old" 2>/dev/null
  while kill -0 "$old" 2>/dev/null; do sleep 0.05; done
fi
"${process.execPath}" "${CLI}" serve --model-repository "${repo}" --http-port ${port} --grpc-port 0 --metrics-port 0 --grace-period 1 > server.log 2>&1 &
echo $! > server.pid
while :; do
  if grep -q "^Server is ready" server.log; then exit 0; fi
  if grep -q "NOT ready" server.log || ! kill -0 $(cat server.pid) 2>/dev/null; then cat server.log; exit 1; fi
  sleep 0.05
done
`;
}

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

function sweepFile(dir: string, port: number, server: string, variables = 'max_batch_size: [8, -1, 16]\n  instances: 2'): string {
  const file = path.join(dir, 'sweep.yaml');
  writeFileSync(
    file,
    `name: own-server\nscenario: base.yaml\ntarget: {name: mine, protocol: kserve-http, url: "http://127.0.0.1:${port}", model: tiny}\nvariables:\n  ${variables}\nserver:\n${server}constraints: {max_p99_ms: 2000, max_error_rate: 0.05}\n`,
  );
  return file;
}

describe('sweeping your own server', () => {
  let dir: string;
  let repo: string;
  let original: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-external-sweep-'));
    repo = makeRepository({ tiny: tinyMlpConfig('tiny') });
    original = readFileSync(path.join(repo, 'tiny', 'config.yaml'), 'utf8');
    writeFileSync(path.join(dir, 'base.yaml'), BASE);
    writeFileSync(path.join(dir, 'config.yaml.tmpl'), TEMPLATE);
  });
  afterAll(() => {
    const pidFile = path.join(dir, 'server.pid');
    if (existsSync(pidFile)) {
      try {
        process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    rmSync(dir, { recursive: true, force: true });
    rmSync(repo, { recursive: true, force: true });
  });

  describe('through a config template and a restart command', () => {
    let outcome: SweepOutcome;
    let port: number;
    beforeAll(async () => {
      port = await freePort();
      writeFileSync(path.join(dir, 'redeploy.sh'), restartScript(repo, port), { mode: 0o755 });
      const file = sweepFile(dir, port, `  config_template: config.yaml.tmpl\n  config_file: ${path.join(repo, 'tiny', 'config.yaml')}\n  apply: ./redeploy.sh\n  apply_timeout: 60s\n  ready: {url: "http://127.0.0.1:${port}/v2/models/tiny/ready", timeout: 30s, interval: 50ms}\n`);
      const { spec, plan } = await loadSweep(file);
      outcome = await runSweep(spec, plan, { outDir: path.join(dir, 'out-restart'), allowInvalid: true, workers: 1 });
    }, 90_000);

    it('applies every combination, records the invalid one as failed with the output, and goes on', () => {
      const { record } = outcome;
      expect(record.status).toBe('complete');
      expect(record.sweep.mode).toBe('external');
      expect(record.combinations.map((c) => [c.id, c.status])).toEqual([
        ['01-max_batch_size-8', 'done'],
        ['02-max_batch_size--1', 'failed'],
        ['03-max_batch_size-16', 'done'],
      ]);
      expect(readFileSync(path.join(dir, 'applied.txt'), 'utf8').split('\n').filter(Boolean)).toEqual(['8', '-1', '16']);
      const bad = record.combinations[1]!;
      expect(bad.error).toMatch(/^the apply command exited with code 1/);
      expect(bad.error).toMatch(/max_batch_size/);
      expect(bad.apply?.command).toMatchObject({ outcome: 'failed', exitCode: 1, log: 'apply.log' });
      expect(readFileSync(path.join(outcome.dir, bad.id, 'apply.log'), 'utf8')).toMatch(/applying max_batch_size=-1/);
      for (const c of [record.combinations[0]!, record.combinations[2]!]) {
        expect(c.figures!.throughputAtSloRps).toBeGreaterThan(0);
        expect(c.apply?.ready?.status).toBe(200);
        expect(readFileSync(path.join(outcome.dir, c.id, 'rendered-config.yaml'), 'utf8')).toContain(`max_batch_size: ${c.variables!['max_batch_size']}`);
      }
      // One phase at 20 rps, met by both good combinations: their capacity lies above it, so nothing is ranked.
      expect(record.recommendation).toMatchObject({ id: null, outcome: 'ceiling-too-low' });
      // 1: no recommendation; 3 when a busy machine left no measurement valid (the sweep allows invalid ones).
      expect(outcome.exitCode).toBe(record.combinations.some((c) => c.figures?.valid) ? 1 : 3);
    });

    it('restores the config file, and the server runs the last combination it was redeployed with', async () => {
      expect(readFileSync(path.join(repo, 'tiny', 'config.yaml'), 'utf8')).toBe(original);
      expect(outcome.record.sweep.external?.restore).toMatchObject({ state: 'restored', backup: 'original-config.yaml' });
      expect(readFileSync(path.join(outcome.dir, 'original-config.yaml'), 'utf8')).toBe(original);
      const config = json(await httpRequest(port, { path: '/v2/models/tiny/config' }));
      expect(config['max_batch_size']).toBe(16);
      expect(config['instance_group'][0].count).toBe(2);
    });
  });

  describe('through the repository extension, without a restart', () => {
    let served: Served;
    let outcome: SweepOutcome;
    beforeAll(async () => {
      served = await serveCli(['--model-repository', repo, '--model-control-mode', 'explicit', '--load-model', 'tiny', '--http-port', '0', '--grpc-port', '0', '--metrics-port', '0', '--grace-period', '1']);
      const port = Number(/HTTPService at 127\.0\.0\.1:(\d+)/.exec(served.lines.join('\n'))![1]);
      const file = sweepFile(dir, port, `  config_template: config.yaml.tmpl\n  config_file: ${path.join(repo, 'tiny', 'config.yaml')}\n  reload_model: tiny\n  reload_timeout: 30s\n`);
      const { spec, plan } = await loadSweep(file);
      outcome = await runSweep(spec, plan, { outDir: path.join(dir, 'out-reload'), allowInvalid: true, workers: 1 });
    }, 60_000);
    afterAll(async () => {
      served?.child.kill('SIGKILL');
      await served?.exited;
    });

    it('loads each combination into the running server, and a bad config fails with the server\'s problems', () => {
      const { record } = outcome;
      expect(record.combinations.map((c) => c.status)).toEqual(['done', 'failed', 'done']);
      const bad = record.combinations[1]!;
      expect(bad.error).toMatch(/^the model load \(POST http:\/\/127\.0\.0\.1:\d+\/v2\/repository\/models\/tiny\/load\) answered HTTP 400/);
      expect(bad.error).toMatch(/max_batch_size/);
      expect(bad.apply?.reload?.status).toBe(400);
      for (const c of [record.combinations[0]!, record.combinations[2]!]) {
        expect(c.apply?.reload?.status).toBe(200);
        expect(c.apply?.ready?.url).toMatch(/\/v2\/models\/tiny\/ready$/);
        expect(c.figures!.throughputAtSloRps).toBeGreaterThan(0);
      }
      // Each good combination was loaded with its two instances (the original config has one).
      expect(served.lines.filter((l) => /model tiny version 1: ready \(2 instance\(s\)/.test(l))).toHaveLength(2);
    });

    it('restores the config file and loads the original back into the server', async () => {
      expect(readFileSync(path.join(repo, 'tiny', 'config.yaml'), 'utf8')).toBe(original);
      expect(outcome.record.sweep.external?.restore).toMatchObject({ state: 'restored', reload: 'HTTP 200' });
      const port = Number(/HTTPService at 127\.0\.0\.1:(\d+)/.exec(served.lines.join('\n'))![1]);
      expect(json(await httpRequest(port, { path: '/v2/models/tiny/config' }))['max_batch_size']).toBe(64);
    });
  });
});
