/**
 * The scenario's `alerts:` field (the alerting drill, docs/drills.md "Alerting drill"): a Prometheus rule file that
 * a real Prometheus evaluates against the target's metrics during the run, and optionally what the drill expects of
 * it: which alerts must fire, within what bound after which fault or phase, and which phases must stay quiet.
 * `alerts: FILE` is the short form (record the alerts, expect nothing). Bounds are not scaled by --duration-scale:
 * a rule's `for:` does not scale either.
 */
import { isAbsolute, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Bounds } from './fields.js';
import { Fields, show } from './fields.js';
import { FILE_LIMITS, MAX_WINDOW_S, TEXT_LIMITS } from './limits.js';
import type { AlertExpectation, AlertsPlan, FaultPlan, PhasePlan } from './plan.js';
import { isMapping, type ConfigPath } from './problems.js';
import { readTextFile } from './yaml-file.js';

/** ALERTS_KEYS are the fields of the long form of `alerts:`. */
export const ALERTS_KEYS = ['rules', 'prometheus', 'expect', 'quiet'] as const;
/** ALERT_EXPECT_KEYS are the fields of one `alerts.expect[]` entry. */
export const ALERT_EXPECT_KEYS = ['alert', 'after_fault', 'after_phase', 'within', 'resolve_after_fault', 'resolve_after_phase', 'resolve_within'] as const;
/** ALERT_RANGES are the ranges of the numeric fields of `alerts:` (seconds; fault numbers are 1-based, as in the summary). */
export const ALERT_RANGES = {
  'alerts.expect[].within': { gt: 0, max: MAX_WINDOW_S },
  'alerts.expect[].resolve_within': { gt: 0, max: MAX_WINDOW_S },
  'alerts.expect[].after_fault': { min: 1, max: 1000 },
} as const satisfies Record<string, Bounds>;
/** MAX_EXPECTATIONS bounds `alerts.expect` and `alerts.quiet`. */
export const MAX_EXPECTATIONS = 256;
/** DEFAULT_PROMETHEUS is the Prometheus binary used when `alerts.prometheus` names none (Debian's package). */
export const DEFAULT_PROMETHEUS = 'prometheus';

/** readAlerts validates `alerts:` against the plan's phases and faults; undefined when absent. */
export function readAlerts(f: Fields, ctx: { baseDir: string; phases: PhasePlan[]; faults: FaultPlan[] }): AlertsPlan | undefined {
  if (!f.has('alerts')) return undefined;
  const raw = f.obj.alerts;
  const a = typeof raw === 'string' ? new Fields({ rules: raw }, ['alerts'], f.problems) : f.mapping('alerts');
  if (!a) return undefined;
  a.allowOnly(ALERTS_KEYS);
  const rules = a.string('rules', true);
  const rulesFile = rules === undefined ? undefined : isAbsolute(rules) ? rules : join(ctx.baseDir, rules);
  const names = rulesFile === undefined ? undefined : alertNames(rulesFile, a);
  const prometheus = a.string('prometheus') ?? DEFAULT_PROMETHEUS;
  const phaseNames = ctx.phases.map((p) => p.name);
  const expect = a.list('expect', (item, path) => readExpectation(item, path, a, { names, phaseNames, faults: ctx.faults.length }), false, MAX_EXPECTATIONS) ?? [];
  const quiet = a.list('quiet', (item, path) => {
    if (typeof item === 'string' && phaseNames.includes(item)) return item;
    a.problems.add(path, `must name a phase (${phaseNames.join(', ')}), got ${show(item)}`);
    return undefined;
  }, false, MAX_EXPECTATIONS) ?? [];
  if (rulesFile === undefined) return undefined;
  return { rulesFile, prometheus, expect, quietPhases: quiet };
}

/** readExpectation reads one `alerts.expect[]` entry: an alert of the rule file, what it answers, and its bounds. */
function readExpectation(item: unknown, path: ConfigPath, parent: Fields, ctx: { names: string[] | undefined; phaseNames: string[]; faults: number }): AlertExpectation | undefined {
  if (!isMapping(item)) return void parent.problems.add(path, `must be a mapping like {alert: NAME, after_fault: 1, within: 10s}, got ${show(item)}`);
  const e = new Fields(item, path, parent.problems).allowOnly(ALERT_EXPECT_KEYS);
  const alert = e.string('alert', true, TEXT_LIMITS.name);
  if (alert !== undefined && ctx.names !== undefined && !ctx.names.includes(alert)) e.problem('alert', `no alerting rule of that name in the rule file (it has ${ctx.names.join(', ') || 'none'})`);
  const after = readReference(e, 'after', ctx, true);
  const within = e.duration('within', ALERT_RANGES['alerts.expect[].within'], true);
  const resolveAfter = readReference(e, 'resolve_after', ctx, false);
  const resolveWithin = e.duration('resolve_within', ALERT_RANGES['alerts.expect[].resolve_within']);
  if ((e.has('resolve_after_fault') || e.has('resolve_after_phase')) !== e.has('resolve_within')) {
    e.problem('resolve_within', 'goes with resolve_after_fault or resolve_after_phase (both, or neither)');
  }
  if (alert === undefined || after === undefined || within === undefined) return undefined;
  return { alert, after, withinS: within, ...(resolveAfter && resolveWithin !== undefined && { resolveAfter, resolveWithinS: resolveWithin }) };
}

/** readReference reads `<prefix>_fault` (a 1-based fault number) or `<prefix>_phase` (a phase name), exactly one. */
function readReference(e: Fields, prefix: 'after' | 'resolve_after', ctx: { phaseNames: string[]; faults: number }, required: boolean): AlertExpectation['after'] | undefined {
  const fk = `${prefix}_fault`;
  const pk = `${prefix}_phase`;
  if (e.has(fk) && e.has(pk)) return void e.problem(pk, `give ${fk} or ${pk}, not both`);
  if (e.has(fk)) {
    const n = e.integer(fk, ALERT_RANGES['alerts.expect[].after_fault']);
    if (n === undefined) return undefined;
    if (n > ctx.faults) return void e.problem(fk, `the scenario has ${ctx.faults} fault(s); got ${n} (faults are numbered from 1)`);
    return { fault: n };
  }
  if (e.has(pk)) {
    const name = e.obj[pk];
    if (typeof name === 'string' && ctx.phaseNames.includes(name)) return { phase: name };
    return void e.problem(pk, `must name a phase (${ctx.phaseNames.join(', ')}), got ${show(name)}`);
  }
  if (required) e.problem(fk, `is required: after_fault (a fault number) or after_phase (a phase name)`);
  return undefined;
}

/** alertNames lists the alerting rules of a Prometheus rule file, or records why the file cannot be read. */
function alertNames(file: string, a: Fields): string[] | undefined {
  const read = readTextFile(file, FILE_LIMITS.bytes);
  if (!read.ok) return void a.problem('rules', `${file}: ${read.message}`);
  let doc: unknown;
  try {
    doc = parseYaml(read.text, { maxAliasCount: 100 });
  } catch (err) {
    return void a.problem('rules', `${file}: not YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  const groups = isMapping(doc) ? doc.groups : undefined;
  if (!Array.isArray(groups)) return void a.problem('rules', `${file}: not a Prometheus rule file (no groups: list)`);
  return groups.flatMap((g) => (isMapping(g) && Array.isArray(g.rules) ? g.rules : [])).flatMap((r) => (isMapping(r) && typeof r.alert === 'string' ? [r.alert] : []));
}

/** alertsSchema is the JSON Schema of `alerts:`. */
export function alertsSchema(duration: (b: Bounds, description: string) => Record<string, unknown>): Record<string, unknown> {
  const fault = { type: 'integer', minimum: ALERT_RANGES['alerts.expect[].after_fault'].min, maximum: ALERT_RANGES['alerts.expect[].after_fault'].max };
  return {
    description: 'The alerting drill (docs/drills.md): a Prometheus rule file (relative to this file) that a real Prometheus evaluates during the run, and what is expected of it.',
    anyOf: [
      { type: 'string', minLength: 1 },
      {
        type: 'object',
        additionalProperties: false,
        required: ['rules'],
        properties: {
          rules: { type: 'string', minLength: 1, description: 'The Prometheus rule file, relative to this file.' },
          prometheus: { type: 'string', minLength: 1, default: DEFAULT_PROMETHEUS, description: 'The Prometheus binary (apt-get install prometheus).' },
          quiet: { type: 'array', maxItems: MAX_EXPECTATIONS, items: { type: 'string', minLength: 1 }, description: 'Phases in which no alert may fire.' },
          expect: {
            type: 'array',
            maxItems: MAX_EXPECTATIONS,
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['alert', 'within'],
              properties: {
                alert: { type: 'string', minLength: 1, description: 'An alerting rule of the rule file.' },
                after_fault: { ...fault, description: 'The fault (numbered from 1) the alert answers.' },
                after_phase: { type: 'string', minLength: 1, description: 'The phase whose start the alert answers.' },
                within: duration(ALERT_RANGES['alerts.expect[].within'], 'The alert must fire within this long of the fault or phase start.'),
                resolve_after_fault: { ...fault, description: 'The fault (a restore) after which the alert must resolve.' },
                resolve_after_phase: { type: 'string', minLength: 1, description: 'The phase after whose start the alert must resolve.' },
                resolve_within: duration(ALERT_RANGES['alerts.expect[].resolve_within'], 'The alert must resolve within this long of resolve_after_*.'),
              },
            },
          },
        },
      },
    ],
  };
}
