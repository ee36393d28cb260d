/**
 * JUnit XML from results files, for CI systems that show test results (`gauntlet report --format junit`): per
 * run, the validity of the measurement, each SLO check and each fault (failed action or lost requests) as a
 * testcase; per sweep, each combination's constraints and the recommendation. Gates have their own JUnit
 * (src/report/junit.ts) with verdicts against a baseline.
 */
import type { ReportInput, RunInput, SweepInput } from './load-inputs.js';
import { marginalFigures } from '../run/judge-validity.js';
import { xmlEscape } from './junit.js';
import { GauntletError } from '../errors.js';
import { profilesOf } from './load-profile.js';
import { guardRows } from './guard-data.js';
import { checkText, incompleteText, runVerdict } from './run-facts.js';
import { recommendationView } from './sweep-view.js';
import { faultLabel } from './timeline-data.js';
import { alertCases } from './alert-view.js';

interface Case {
  classname: string;
  name: string;
  failure?: string;
  skipped?: string;
  out?: string;
}

function suite(name: string, cases: Case[]): string[] {
  const failures = cases.filter((c) => c.failure !== undefined).length;
  const skipped = cases.filter((c) => c.skipped !== undefined).length;
  const out = [`  <testsuite name="${xmlEscape(name)}" tests="${cases.length}" failures="${failures}" skipped="${skipped}">`];
  for (const c of cases) {
    const open = `    <testcase classname="${xmlEscape(c.classname)}" name="${xmlEscape(c.name)}">`;
    if (c.failure !== undefined) out.push(`${open}<failure message="${xmlEscape(c.failure)}"/></testcase>`);
    else if (c.skipped !== undefined) out.push(`${open}<skipped message="${xmlEscape(c.skipped)}"/></testcase>`);
    else out.push(`${open}${c.out ? `<system-out>${xmlEscape(c.out)}</system-out>` : ''}</testcase>`);
  }
  out.push('  </testsuite>');
  return out;
}

function runCases(i: RunInput): Case[] {
  const r = i.results;
  const cls = r.scenario.name;
  const cases: Case[] = [];
  const v = runVerdict(r);
  const reasons = [...(r.incomplete ? [incompleteText(r)] : v.interrupted ? [v.stateText.replace(/^INTERRUPTED/, 'the run was interrupted')] : []), ...r.invalidReasons];
  const advice = r.generator.advice ? `; ${r.generator.advice}` : '';
  const marginal = marginalFigures(r).map((m) => `; marginal: ${m.phase} ${m.validity.reason}`).join('');
  cases.push(
    reasons.length
      ? { classname: cls, name: 'measurement valid', failure: `${reasons.join('; ')}${advice}` }
      : { classname: cls, name: 'measurement valid', out: `${r.totals.sent} sent, ${r.totals.lost} lost, ${(r.generator.lateFraction * 100).toFixed(2)} % of sends over 1 ms late${marginal}${marginal ? advice : ''}` },
  );
  for (const c of r.slo.checks) {
    const name = `SLO ${c.metric}`;
    const classname = `${cls}.${c.phase}`;
    // A phase that did not run has nothing to check: skipped, neither passed nor failed.
    if (c.pass === null) cases.push({ classname, name, skipped: `phase ${c.phase} did not run` });
    else cases.push(c.pass ? { classname, name, out: checkText(c) } : { classname, name, failure: checkText(c) });
  }
  for (const f of r.faults) {
    const name = `fault ${faultLabel(f)}`;
    const problems = [...(f.outcome !== 'ok' ? [`${f.outcome}: ${f.detail}`] : []), ...(f.drill && f.drill.lost > 0 ? [`${f.drill.lost} request(s) lost`] : [])];
    cases.push(problems.length ? { classname: `${cls}.faults`, name, failure: problems.join('; ') } : { classname: `${cls}.faults`, name, out: `${f.detail}; ${f.drill ? `${f.drill.failed} failed in its window` : 'no drill measurements'}` });
  }
  cases.push(...alertCases(r));
  for (const g of guardRows(r)) {
    const name = `rollout guard #${g.cells[0]} ${g.cells[1]}`;
    const damage = g.cells[6] === '-' ? '' : `; damage window ${g.cells[6]}: ${g.cells[7]} failed, ${g.cells[8]} over p99`;
    cases.push(g.pass ? { classname: `${cls}.guards`, name, out: `${g.reason}${damage}` } : { classname: `${cls}.guards`, name, failure: `${g.reason}${damage}` });
  }
  // drill.require_graceful: each overloaded phase's verdict is a test case (stated but not required: not a case).
  if (r.plan?.drill?.requireGraceful) {
    for (const p of r.phases) {
      const d = p.degradation;
      if (d?.graceful === undefined) continue;
      const text = `${d.accepted} accepted, ${d.rejected} rejected (${(d.rejectedShare * 100).toFixed(1)} %), ${d.otherFailed} other failures`;
      const name = 'graceful degradation';
      cases.push(d.graceful ? { classname: `${cls}.${p.name}`, name, out: text } : { classname: `${cls}.${p.name}`, name, failure: `${text}: ${(d.reasons ?? []).join('; ')}` });
    }
  }
  return cases;
}

function sweepCases(s: SweepInput): Case[] {
  const r = s.record;
  const cls = r.sweep.name;
  const cases: Case[] = r.combinations.map((c) => {
    const name = `${c.id} meets the constraints`;
    if (c.status !== 'done') return { classname: cls, name, skipped: `${c.status}${c.error ? `: ${c.error.split('\n')[0]}` : ''}` };
    if (!c.verdict) return { classname: cls, name, skipped: 'not judged (sweep unfinished)' };
    if (c.verdict.failures.length) return { classname: cls, name, failure: c.verdict.failures.join('; ') };
    return { classname: cls, name, out: c.figures && !c.figures.valid ? 'meets them, but the measurement is invalid' : 'meets every constraint' };
  });
  const rec = r.recommendation;
  const view = recommendationView(r);
  // A tie or a search ceiling too low recommends nothing, even where the record names an id.
  const why = view.outcome === 'tie' ? `tie between ${view.tied.join(', ')}: ${view.tieText}` : view.outcome === 'ceiling-too-low' ? `search ceiling too low: ${rec?.reason ?? ''}` : (rec?.reason ?? 'the sweep has not finished');
  cases.push(view.winner ? { classname: cls, name: 'recommendation', out: rec?.reason ?? '' } : { classname: cls, name: 'recommendation', failure: why });
  return cases;
}

/** renderJunit renders runs and sweeps as JUnit XML (baselines have nothing to check and are listed as skipped). */
export function renderJunit(inputs: ReportInput[]): string {
  if (profilesOf(inputs)) throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', 'a profile has no JUnit report (it checks nothing): use --format html, md or csv');
  const suites = inputs.map((i) => ({
    name: i.label,
    cases: i.kind === 'run' ? runCases(i) : i.kind === 'sweep' ? sweepCases(i) : [{ classname: i.label, name: 'baseline', skipped: 'a baseline has nothing to check; gate runs against it with gauntlet gate' }],
  }));
  const tests = suites.reduce((n, s) => n + s.cases.length, 0);
  const failures = suites.reduce((n, s) => n + s.cases.filter((c) => c.failure !== undefined).length, 0);
  const out = ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites name="gauntlet report" tests="${tests}" failures="${failures}">`];
  for (const s of suites) for (const l of suite(s.name, s.cases)) out.push(l);
  out.push('</testsuites>');
  return `${out.join('\n')}\n`;
}
