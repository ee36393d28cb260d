/**
 * Trace replay, extended (issue 13): CSV traces with request sizes and models or routes, the window (`from`/`to`),
 * speed and loop, and what they add up to: the send times and their exact count, each line's request variant,
 * the problems of bad rows and bad options (with their paths), and the --dry-run line.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { GauntletError } from '../../../src/errors.js';
import { createArrivals, type Arrivals } from '../../../src/scenario/arrivals.js';
import { describePlan } from '../../../src/scenario/describe-plan.js';
import { parseScenario } from '../../../src/scenario/parse-scenario.js';
import { NO_BYTES, NO_MODEL, parseTraceText, routeModel } from '../../../src/scenario/parse-trace.js';
import type { PhasePlan, TraceShapeSpec } from '../../../src/scenario/plan.js';
import { NO_PICK, replayLines, SIZE_CLASSES } from '../../../src/scenario/trace-replay.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-trace-'));

/** plan parses a scenario with one trace phase (`phase` is its YAML flow mapping's extra fields) over this trace text. */
function plan(trace: string, phase: string): ReturnType<typeof parseScenario> {
  writeFileSync(path.join(dir, 't.csv'), trace);
  const text = `name: t
target: {name: x, protocol: kserve-http, url: "http://127.0.0.1:1", model: m}
request: {inputs: [{name: input, datatype: FP32, shape: [1, 16], data: random}]}
phases:
  - {name: replay, trace: t.csv${phase ? `, ${phase}` : ''}}
`;
  return parseScenario(text, { baseDir: dir });
}

/** problems is the message of the error a scenario raises. */
function problems(trace: string, phase: string): string {
  try {
    plan(trace, phase);
  } catch (err) {
    return (err as GauntletError).details.join('\n');
  }
  throw new Error('expected problems');
}

function all(a: Arrivals): number[] {
  const out: number[] = [];
  for (let t = a.next(); t !== undefined; t = a.next()) out.push(Math.round(t * 1e6) / 1e6);
  return out;
}

const shape = (p: PhasePlan): TraceShapeSpec => (p.load.kind === 'open' && p.load.shape.type === 'trace' ? p.load.shape : (undefined as never));

describe('trace files with named columns', () => {
  it('reads time_s, request_bytes and model, with empty cells', () => {
    const r = parseTraceText('time_s,request_bytes,model\n0.000125,1064,mlp\n0.004533,8232,mlp\n0.5,,\n0.75,100,other\n0.8,,mlp\n');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.offsetsS).toEqual([0.000125, 0.004533, 0.5, 0.75, 0.8]);
    expect(Array.from(r.value.bytes!)).toEqual([1064, 8232, NO_BYTES, 100, NO_BYTES]);
    expect(Array.from(r.value.modelOf!)).toEqual([0, 0, NO_MODEL, 1, 0]);
    expect(r.value.models).toEqual([{ model: 'mlp' }, { model: 'other' }]);
  });

  it.each<[string, string, number[], number[] | undefined, string[]]>([
    ['columns in any order, quoted, tab separated', 'model\trequest_bytes\ttime_s\n"a"\t10\t1\nb\t20\t0\n', [0, 1], [20, 10], ['b', 'a']],
    ['only a time column', 'time_s\n0\n0.5\n', [0, 0.5], undefined, []],
    ['a time column among unknown ones', 'status,time,latency_ms\n200,0.25,3\n503,0.5,1\n', [0.25, 0.5], undefined, []],
    ['ISO timestamps under timestamp', 'timestamp;model\n2024-05-01T12:00:01Z;a\n2024-05-01T12:00:00Z;b\n', [0, 1], undefined, ['b', 'a']],
    ['routes naming KServe models and versions', 'time_s,route\n0,/v2/models/a/infer\n1,/v2/models/b/versions/2/infer\n2,/v1/models/c:predict\n3,/healthz\n', [0, 1, 2, 3], undefined, ['a', 'b@2', 'c', '-']],
    ['a model cell that is a route, and quoted cells with commas', 'time_s,request_bytes,model\n0,5,/v2/models/a/versions/3/infer\n1,6,"b,""x"""\n2,7,/metrics\n', [0, 1, 2], [5, 6, 7], ['a@3', 'b,"x"', '-']],
    ['unsorted lines keep their sizes and models', 'time_s,request_bytes,model\n2,30,c\n0,10,a\n1,20,b\n', [0, 1, 2], [10, 20, 30], ['a', 'b', 'c']],
  ])('%s', (_, text, offsets, bytes, models) => {
    const r = parseTraceText(text);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.offsetsS).toEqual(offsets);
    expect(r.value.bytes && Array.from(r.value.bytes)).toEqual(bytes);
    const named = r.value.modelOf ? Array.from(r.value.modelOf, (m) => (m === NO_MODEL ? '-' : `${r.value.models[m]!.model}${r.value.models[m]!.version ? `@${r.value.models[m]!.version}` : ''}`)) : [];
    expect(named).toEqual(models);
  });

  it.each([
    ['time_s,request_bytes\n0,12.5\n', 'line 2: request_bytes "12.5" must be an integer from 0 to 268435456, or empty'],
    ['time_s,request_bytes\n0,-1\n', 'line 2: request_bytes "-1" must be an integer from 0 to 268435456, or empty'],
    ['time_s,request_bytes\n0,268435457\n', 'line 2: request_bytes "268435457" must be an integer from 0 to 268435456, or empty'],
    ['time_s,request_bytes\n0,big\n', 'line 2: request_bytes "big" must be an integer from 0 to 268435456, or empty'],
    ['time_s,model\n,a\n', 'line 2: "" is neither seconds nor an ISO timestamp'],
    ['time_s,model\n0,a\nsoon,b\n', 'line 3: "soon" is neither seconds nor an ISO timestamp'],
    [`time_s,model\n0,${'m'.repeat(201)}\n`, `line 2: model "${'m'.repeat(40)}…" is longer than 200 characters`],
    [`time_s,model\n${Array.from({ length: 65 }, (_, i) => `${i},m${i}`).join('\n')}\n`, 'line 66: names more than 64 models; at most 64 (see "Limits" in docs/scenarios.md)'],
  ])('rejects %j', (text, message) => {
    expect(parseTraceText(text)).toEqual({ ok: false, message });
  });

  it('reads a route that is not an infer path as no model', () => {
    expect(routeModel('/v2/models/a%2Fb/infer?x=1')).toEqual({ model: 'a/b' });
    expect(routeModel('/v2/models/a/ready')).toBeUndefined();
    expect(routeModel('/predict')).toBeUndefined();
  });
});

describe('size classes', () => {
  it('keeps a model\'s sizes exact up to 32 distinct ones, one variant per model and size', () => {
    const r = parseTraceText('time_s,request_bytes,model\n0,100,a\n1,900,a\n2,100,b\n3,100,a\n4,,a\n5,,\n6,50,\n');
    if (!r.ok) throw new Error(r.message);
    const lines = replayLines(r.value, {});
    expect(lines.variants).toEqual([{ model: 'a', requestBytes: 100 }, { model: 'a', requestBytes: 900 }, { model: 'b', requestBytes: 100 }, { model: 'a' }, { requestBytes: 50 }]);
    expect(Array.from(lines.picks!)).toEqual([0, 1, 2, 0, 3, NO_PICK, 4]);
  });

  it('bins more than 32 distinct sizes into at most 32 log-spaced classes sending their mean', () => {
    const rows = Array.from({ length: 1000 }, (_, i) => `${i / 100},${100 + i * 97}`);
    const r = parseTraceText(`time_s,request_bytes\n${rows.join('\n')}\n`);
    if (!r.ok) throw new Error(r.message);
    const lines = replayLines(r.value, {});
    const sizes = lines.variants!.map((v) => v.requestBytes!);
    expect(sizes.length).toBeLessThanOrEqual(SIZE_CLASSES);
    expect(sizes.length).toBeGreaterThan(20);
    // The classes keep the total bytes (each sends its lines' mean), and each line's class is near its size.
    const total = Array.from(lines.picks!).reduce((n, p) => n + sizes[p]!, 0);
    expect(Math.abs(total / (1000 * (100 + 999 * 48.5)) - 1)).toBeLessThan(0.001);
    Array.from(lines.picks!).forEach((p, i) => expect(Math.abs(Math.log(sizes[p]! / (100 + i * 97)))).toBeLessThan(Math.log(100_000 / 100) / 32 + 1e-9));
  });
});

describe('window, speed and loop', () => {
  const trace = 'time_s,request_bytes,model\n0,10,a\n1,20,b\n2,10,a\n3,20,b\n4,10,a\n';

  it.each<[string, string, number[], number]>([
    ['the whole trace', '', [0, 1, 2, 3, 4], 4],
    ['a window, rebased to its first send', 'from: 1s, to: 3.5s', [0, 1, 2], 2],
    ['window, then speed', 'from: 1, to: 3.5, speed: 2', [0, 0.5, 1], 1],
    ['window, speed, then loop: the period is span × n / (n − 1)', 'from: 1, to: 3.5, speed: 2, loop: 3', [0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4], 4],
    ['loop until the duration (sends at or after its end are not sent)', 'to: 2s, loop: true, duration: 4.5s', [0, 1, 2, 3, 4], 4.5],
    ['loop until a duration on a loop boundary', 'to: 2s, loop: true, duration: 4s', [0, 1, 2, 3], 4],
    ['a duration cuts a finite loop', 'loop: 2, duration: 6s', [0, 1, 2, 3, 4, 5, 6], 6],
  ])('%s', (_, phase, times, durationS) => {
    const p = plan(trace, phase).phases[0]!;
    expect(p.durationS).toBeCloseTo(durationS, 9);
    expect(all(createArrivals(p, 1, 0))).toEqual(times);
  });

  it('counts the sends exactly: dry-run, skip and next agree', () => {
    const p = plan(trace, 'from: 1, loop: 1000').phases[0]!;
    expect(describePlan(plan(trace, 'from: 1, loop: 1000'))).toMatch(/ trace +4000 /);
    const a = createArrivals(p, 1, 0);
    // 4 lines a loop, 1.333… s apart: everything before t = 10 s is 3 whole loops (12) and 2 sends of the next.
    expect(a.skip(3 * (4 / 3) * 3 + 1.5)).toBe(14);
    let n = 14;
    while (a.next() !== undefined) n++;
    expect(n).toBe(4000);
  });

  it('gives each line its variant, whichever loop sends it', () => {
    const s = shape(plan(trace, 'from: 1, to: 4, loop: 2').phases[0]!);
    expect(s.variants).toEqual([{ model: 'b', requestBytes: 20 }, { model: 'a', requestBytes: 10 }]);
    expect(Array.from(s.picks!)).toEqual([0, 1, 0]);
  });

  it('describes the replay in --dry-run', () => {
    const text = describePlan(plan('time_s,request_bytes,model\n0,1100,a\n1,65536,b\n2,4000,a\n3,,\n', 'from: 0s, to: 1h, speed: 2, loop: 3'));
    expect(text).toContain('t.csv 0s–1h (4 sends, 3 sizes 1.1 KiB–64 KiB, 2 models) at 2x speed, 3 loops');
  });

  it.each([
    ['from: 10s', 'phases[0].from: the window 10s–end holds no send of the trace (it spans 0 s to 4s)'],
    ['from: 1.5s, to: 2s', 'phases[0].from: the window 1.5s–2s holds no send of the trace (it spans 0 s to 4s)'],
    ['to: 0s', 'phases[0].to: the window start–0s holds no send of the trace (it spans 0 s to 4s)'],
    ['from: 2s, to: 1s', 'phases[0].to: must be after from ("2s"), got "1s"'],
    ['from: -1', 'phases[0].from: must be'],
    ['from: 2024-05-01T12:00:00Z', "phases[0].from: \"2024-05-01T12:00:00Z\" is a timestamp, but the trace's times are seconds: give an offset like 1h"],
    ['loop: true', "phases[0].loop: true repeats the trace until the phase ends: give the phase a duration"],
    ['loop: 0', 'phases[0].loop: must be'],
    ['loop: 1.5', 'phases[0].loop: must be'],
    ['loop: 1000001', 'phases[0].loop: must be'],
    ['loop: many', 'phases[0].loop: must be'],
    ['from: 1s, to: 2s, loop: 2', "phases[0].loop: the trace's window spans 0 s (1 send(s)): there is nothing to loop"],
  ])('refuses %s', (phase, message) => {
    expect(problems(trace, phase)).toContain(message);
  });

  it('keeps the planned requests of loops within the limits', () => {
    const long = Array.from({ length: 20_000 }, (_, i) => `${i / 1000}`).join('\n');
    expect(problems(long, 'loop: 1000000')).toContain('phases[0]: plans 20000000000 requests (rate × duration); a run may plan at most 10000000000');
  });

  it('takes a window of timestamps as ISO timestamps', () => {
    const stamps = 'timestamp,model\n2024-05-01T12:00:00Z,a\n2024-05-01T12:30:00Z,b\n2024-05-01T13:00:00Z,a\n2024-05-01T13:30:00Z,b\n';
    const p = plan(stamps, 'from: "2024-05-01T12:30:00Z", to: "2024-05-01T13:30:00Z"').phases[0]!;
    expect(all(createArrivals(p, 1, 0))).toEqual([0, 1800]);
    expect(shape(p).window).toEqual({ fromS: 1800, toS: 5400 });
    expect(problems(stamps, 'from: "2024-05-01T14:00:00Z"')).toContain('phases[0].from: the window 2h–end holds no send');
  });

  it('sends the trace\'s models to others with models: (named first, then "*"), and refuses an empty name', () => {
    const t = 'time_s,request_bytes,model\n0,10,resnet\n1,20,bert\n2,10,/v2/models/tiny/versions/3/infer\n3,,\n';
    const s = shape(plan(t, 'models: {bert: encoder, "*": mlp}').phases[0]!);
    expect(new Set(s.variants!.map((v) => `${v.model}@${v.modelVersion ?? ''}`))).toEqual(new Set(['mlp@', 'encoder@']));
    expect(describePlan(plan(t, 'models: {"*": mlp}'))).toContain('1 model)');
    expect(problems(t, 'models: {resnet: ""}')).toContain('phases[0].models.resnet: must be a non-empty string');
    expect(problems(t, 'models: [mlp]')).toContain('phases[0].models');
  });

  it('refuses trace options on other phases', () => {
    const text = `name: t
target: {name: x, protocol: kserve-http, url: "http://127.0.0.1:1", model: m}
request: {inputs: [{name: input, datatype: FP32, shape: [1, 16], data: random}]}
phases:
  - {name: a, rate: 10, duration: 1s, loop: 2, from: 1s}
`;
    expect(() => parseScenario(text, { baseDir: dir })).toThrow(expect.objectContaining({ details: ['line 5: phases[0].loop: is only for trace phases', 'line 5: phases[0].from: is only for trace phases'] }));
  });
});
