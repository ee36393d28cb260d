/**
 * Sweeps of your own server, before and around the measurement: every mistake in variables:, server: and the
 * config template is listed with its path before anything runs (exit 2); a readiness probe that never passes
 * and an apply command past its timeout fail their combination only; an interrupt during apply kills the
 * command's group, skips the rest, and restores the user's config file.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GauntletError } from '../../../src/errors.js';
import { problemLines } from '../../../src/scenario/problems.js';
import { parseTemplate, renderTemplate, templateProblems } from '../../../src/sweep/config-template.js';
import { loadSweep, parseSweep } from '../../../src/sweep/parse-sweep.js';
import { runSweep } from '../../../src/sweep/run-sweep.js';
import { combinationsOf } from '../../../src/sweep/combinations.js';
import { describeSweep } from '../../../src/sweep/sweep-table.js';
import { variableCombinations } from '../../../src/sweep/variable-combinations.js';
import { waitUntil } from '../../helpers/reference-client.js';

const BASE = `
name: base
request: {model: tiny, inputs: [{name: input, datatype: FP32, shape: [1, 16], data: random}]}
phases:
  - {name: steady, duration: 1s, rate: 10}
`;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-external-config-'));
  writeFileSync(path.join(dir, 'base.yaml'), BASE);
  mkdirSync(path.join(dir, 'repo'));
  writeFileSync(path.join(dir, 'repo', 'config.pbtxt'), 'max_batch_size: 4\n');
  writeFileSync(path.join(dir, 'good.tmpl'), 'max_batch_size: {{ mbs }}\ninstance_group [{ count: {{n}} }]\n');
  writeFileSync(path.join(dir, 'mbs.tmpl'), 'max_batch_size: {{ mbs }}\n');
  writeFileSync(path.join(dir, 'bad.tmpl'), 'max_batch_size: {{mbs}}\ndynamic_batching { max_queue_delay_microseconds: {{delay}} }\nx: {{ 3 }}\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TARGET = 'target: {name: mine, protocol: kserve-http, url: "http://127.0.0.1:9"}\n';
function problemsOf(text: string): string[] {
  return problemLines(parseSweep(`scenario: base.yaml\n${text}`, { baseDir: dir }).problems);
}

describe('reading a sweep of your own server', () => {
  it('accepts a template, an apply command, a model load and a probe', () => {
    const { spec, problems } = parseSweep(
      `scenario: base.yaml\n${TARGET}variables: {mbs: [4, 8], n: 2}\nserver:\n  config_template: good.tmpl\n  config_file: repo/config.pbtxt\n  apply: ./redeploy.sh\n  reload_model: tiny\n  ready: {url: "http://127.0.0.1:9/v2/health/ready"}\n`,
      { baseDir: dir },
    );
    expect(problemLines(problems)).toEqual([]);
    expect(spec.external).toMatchObject({
      variables: { mbs: [4, 8], n: [2] },
      template: { dest: path.join(dir, 'repo', 'config.pbtxt') },
      apply: { command: './redeploy.sh', timeoutS: 300 },
      reload: { model: 'tiny', timeoutS: 300 },
      ready: { status: 200, timeoutS: 300, intervalS: 1 },
    });
    expect(spec.matrix).toBeUndefined();
    expect(spec.model).toBeUndefined();
  });

  it.each([
    ['an unknown placeholder, a malformed one, and a variable the template never uses', 'variables: {mbs: 1, unused: 2}\nserver: {config_template: bad.tmpl, config_file: repo/config.pbtxt}\n', [
      /server\.config_template: .*bad\.tmpl: line 2: unknown placeholder \{\{delay\}\} \(the variables are: mbs, unused\)/,
      /server\.config_template: .*line 3: '\{\{' opens no placeholder/,
      /server\.config_template: .*never uses the variable unused \(add \{\{unused\}\}, or an apply command that reads \$GAUNTLET_VAR_UNUSED\)/,
    ]],
    ['a template with no config file', 'variables: {mbs: 1}\nserver: {config_template: good.tmpl}\n', [/server\.config_file: needs config_template|server\.config_template: needs config_file/]],
    ['a config file in a folder that does not exist', 'variables: {mbs: 1, n: 1}\nserver: {config_template: good.tmpl, config_file: nowhere/config.pbtxt}\n', [/server\.config_file: .*nowhere is not a folder/]],
    ['server with nothing that applies', 'variables: {mbs: 1}\nserver: {ready: {url: "http://x/"}}\n', [/server: must say how a combination is applied/]],
    ['server without variables', 'server: {apply: "true"}\n', [/variables: is required/]],
    ['variables without server', 'variables: {mbs: 1}\nmodel: mlp\n', [/variables: needs server:/]],
    ['a matrix beside variables', 'variables: {mbs: 1}\nserver: {apply: "true"}\nmatrix: {max_batch_size: [1]}\n', [/matrix: is not for sweeps of your own server/]],
    ['values that cannot be rendered', 'variables: {a: [{x: 1}], b: ["two\\nlines"], c: [1, 1]}\nserver: {apply: "true"}\n', [
      /variables\.a\[0\]: must be a string, number or boolean/,
      /variables\.b\[0\]: must be one line/,
      /variables\.c\[1\]: duplicate value 1/,
    ]],
    ['two names that are one environment variable', 'variables: {mbs: 1, MBS: 2}\nserver: {apply: "true"}\n', [/variables\.MBS: is the same as mbs in the apply command's environment/]],
    ['a bad variable name', 'variables: {"max-batch": 1}\nserver: {apply: "true"}\n', [/variables\.max-batch: a variable name is letters, digits and _/]],
    ['timeouts and a probe out of range', 'variables: {a: 1}\nserver: {apply: "true", apply_timeout: 2h, ready: {url: "ftp://x", status: 99, interval: 0}}\n', [
      /server\.apply_timeout: must be <= 3600/,
      /server\.ready\.url: must be an http:\/\/ or https:\/\/ URL/,
      /server\.ready\.status: must be >= 100/,
      /server\.ready\.interval: must be >= 0\.05/,
    ]],
    ['reload settings without a model', 'variables: {a: 1}\nserver: {apply: "true", reload_timeout: 5s}\n', [/server\.reload_timeout: needs reload_model/]],
    ['too many combinations', `variables: {a: [${Array.from({ length: 20 }, (_, i) => i)}], b: [${Array.from({ length: 20 }, (_, i) => i)}]}\nserver: {apply: "true"}\n`, [/variables: has 400 combinations; at most 256/]],
  ])('lists every problem: %s', (_what, text, expected) => {
    const lines = problemsOf(`${TARGET}${text}`);
    for (const e of expected) expect(lines.some((l) => e.test(l)), `${e} in\n${lines.join('\n')}`).toBe(true);
  });

  it('says with --dry-run what each combination will do, in order', async () => {
    writeFileSync(path.join(dir, 'dry.yaml'), `scenario: base.yaml\n${TARGET}variables: {mbs: [4, 8], n: 2}\nserver: {config_template: good.tmpl, config_file: repo/config.pbtxt, apply: ./redeploy.sh, apply_timeout: 90s}\n`);
    const { spec, plan } = await loadSweep(path.join(dir, 'dry.yaml'));
    const lines = describeSweep(spec, plan, combinationsOf(spec));
    expect(lines).toEqual(expect.arrayContaining([
      'Your server: mine (kserve-http http://127.0.0.1:9), the same target for every combination',
      'Variables: mbs [4, 8]; n [2]',
      `  1. render ${path.join(dir, 'good.tmpl')} into ${path.join(dir, 'repo', 'config.pbtxt')} (the original is restored when the sweep ends)`,
      '  2. run: ./redeploy.sh (timeout 90 s; variables as $GAUNTLET_VAR_<NAME>)',
      '  3. wait until GET http://127.0.0.1:9/v2/models/tiny/ready answers 200 (every 1 s, at most 300 s)',
      '  01-mbs-4  mbs=4, n=2',
      '  02-mbs-8  mbs=8, n=2',
    ]));
  });

  it('refuses a sweep whose target is the embedded reference server (exit 2)', async () => {
    writeFileSync(path.join(dir, 'no-target.yaml'), 'scenario: base.yaml\nvariables: {a: 1}\nserver: {apply: "true"}\n');
    const err = await loadSweep(path.join(dir, 'no-target.yaml')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GauntletError);
    expect((err as GauntletError).code).toBe('GAUNTLET_ERR_INVALID_CONFIG');
    expect((err as GauntletError).details.join('\n')).toMatch(/target: is required: the scenario's target is the embedded reference server/);
  });
});

describe('config templates', () => {
  it('renders each placeholder, with or without spaces, and finds their lines', () => {
    const text = 'a: {{x}}\n\nb: {{ y }} {{x}}\n';
    expect(parseTemplate(text).placeholders).toEqual([{ name: 'x', line: 1 }, { name: 'y', line: 3 }, { name: 'x', line: 3 }]);
    expect(renderTemplate(text, { x: 8, y: true })).toBe('a: 8\n\nb: true 8\n');
    expect(templateProblems(text, ['x'], true)).toEqual(['line 3: unknown placeholder {{y}} (the variables are: x)']);
  });

  it('names combinations by the variables that vary, the first varying slowest', () => {
    expect(variableCombinations({ mbs: [8, -1], n: [2], kind: ['KIND_CPU', 'KIND GPU'] }).map((c) => c.id)).toEqual([
      '01-mbs-8_kind-KINDCPU',
      '02-mbs-8_kind-KINDGPU',
      '03-mbs--1_kind-KINDCPU',
      '04-mbs--1_kind-KINDGPU',
    ]);
  });
});

describe('a combination that cannot be applied', () => {
  let server: http.Server;
  let port: number;
  beforeAll(async () => {
    // A server that never becomes ready.
    server = http.createServer((_req, res) => res.writeHead(503).end('loading'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('fails on its own: apply past its timeout, a probe that never passes; the config file is restored', async () => {
    const file = path.join(dir, 'failing.yaml');
    writeFileSync(
      file,
      `scenario: base.yaml\ntarget: {name: mine, protocol: kserve-http, url: "http://127.0.0.1:${port}", model: tiny}\nvariables: {mbs: [1, 2]}\nserver:\n  config_template: mbs.tmpl\n  config_file: repo/config.pbtxt\n  apply: 'echo "applying $GAUNTLET_VAR_MBS"; if [ "$GAUNTLET_VAR_MBS" = 1 ]; then sleep 30; fi'\n  apply_timeout: 300ms\n  ready: {url: "http://127.0.0.1:${port}/v2/health/ready", timeout: 300ms, interval: 50ms}\n`,
    );
    const { spec, plan } = await loadSweep(file);
    const started = Date.now();
    const outcome = await runSweep(spec, plan, { outDir: path.join(dir, 'out-failing'), workers: 1 });
    expect(Date.now() - started).toBeLessThan(10_000);
    const [slow, unready] = outcome.record.combinations;
    expect(slow).toMatchObject({ status: 'failed', apply: { command: { outcome: 'timeout' } } });
    expect(slow!.error).toMatch(/^the apply command ran past its timeout of 0\.3 s and was killed\napplying 1/);
    expect(unready).toMatchObject({ status: 'failed', apply: { command: { outcome: 'ok' }, ready: { status: 503 } } });
    expect(unready!.error).toMatch(/^the server was not ready within 0\.3 s \(GET http:\/\/127\.0\.0\.1:\d+\/v2\/health\/ready must answer 200; last: HTTP 503: loading\)/);
    expect(outcome.record.status).toBe('complete');
    expect(outcome.exitCode).toBe(3);
    expect(readFileSync(path.join(dir, 'repo', 'config.pbtxt'), 'utf8')).toBe('max_batch_size: 4\n');
    expect(outcome.record.sweep.external?.restore?.state).toBe('restored');
  });

  it('stops at an interrupt during apply: the command is killed, the rest skipped, the config file restored', async () => {
    const file = path.join(dir, 'interrupted.yaml');
    const marker = path.join(dir, 'apply-started');
    writeFileSync(
      file,
      `scenario: base.yaml\ntarget: {name: mine, protocol: kserve-http, url: "http://127.0.0.1:${port}", model: tiny}\nvariables: {mbs: [1, 2]}\nserver:\n  config_template: mbs.tmpl\n  config_file: repo/config.pbtxt\n  apply: 'touch "${marker}"; sleep 30'\n`,
    );
    const { spec, plan } = await loadSweep(file);
    const ac = new AbortController();
    const running = runSweep(spec, plan, { outDir: path.join(dir, 'out-interrupted'), workers: 1, signal: ac.signal });
    await waitUntil(() => existsSync(marker), 'the apply command started');
    expect(readFileSync(path.join(dir, 'repo', 'config.pbtxt'), 'utf8')).toBe('max_batch_size: 1\n');
    const t0 = Date.now();
    ac.abort();
    const outcome = await running;
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(outcome.record.status).toBe('interrupted');
    expect(outcome.record.combinations.map((c) => c.status)).toEqual(['skipped', 'skipped']);
    expect(readFileSync(path.join(dir, 'repo', 'config.pbtxt'), 'utf8')).toBe('max_batch_size: 4\n');
    expect(JSON.parse(readFileSync(path.join(outcome.dir, 'sweep.json'), 'utf8')).sweep.external.restore.state).toBe('restored');
  });
});
