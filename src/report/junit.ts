/**
 * JUnit XML for CI systems: one testsuite per phase, one testcase per check (a metric verdict against the
 * baseline, or an SLO threshold), failures carrying the numbers. Rendered from a GateReport only.
 */
import type { GateCheck, GateReport } from '../compare/gate.js';
import { gateHeadline } from '../compare/gate-headline.js';
import { valueText } from './gate-view.js';

/** xmlEscape escapes text for XML attributes and content. */
export function xmlEscape(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

function describeCheck(c: GateCheck): { name: string; message: string; failed: boolean; skipped: boolean } {
  if (c.kind === 'slo' && c.notRun) return { name: `SLO ${c.metric}`, message: `${c.metric}: not run (the phase did not run), threshold ${valueText(c.metric, c.threshold, c.unit)}`, failed: false, skipped: true };
  if (c.kind === 'slo' && c.inDoubt && c.pass) return { name: `SLO ${c.metric}`, message: `${c.metric} = ${valueText(c.metric, c.actual, c.unit)} over the threshold ${valueText(c.metric, c.threshold, c.unit)}, but the generator's lag could explain it: ${c.inDoubt}`, failed: false, skipped: true };
  if (c.kind === 'slo') {
    const actual = c.actual === null || !Number.isFinite(c.actual) ? 'no successful responses' : valueText(c.metric, c.actual, c.unit);
    return { name: `SLO ${c.metric}`, message: `${c.metric} = ${actual}, threshold ${valueText(c.metric, c.threshold, c.unit)}`, failed: !c.pass, skipped: false };
  }
  return {
    name: `${c.metric} vs baseline`,
    message: `${c.verdict}: baseline ${fmt(c.baseline)}, candidate ${fmt(c.candidate)}; ${c.reason}${c.notes?.length ? `. Notes: ${c.notes.join(' | ')}` : ''}`,
    failed: !c.pass,
    skipped: c.pass && c.verdict === 'UNKNOWN',
  };
}

function fmt(x: number): string {
  return Number.isFinite(x) ? String(+x.toPrecision(4)) : String(x);
}

/** gateJunit renders a gate report as JUnit XML. */
export function gateJunit(report: GateReport): string {
  const phases = [...new Set(report.checks.map((c) => c.phase))];
  const out = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const cannot = report.invalid.length + report.undecided.length;
  const failures = report.checks.filter((c) => !c.pass).length + cannot;
  // The headline (what failed: regressions, the candidate's SLO checks, or both) is the name CI systems show first.
  const h = gateHeadline(report);
  out.push(`<testsuites name="gauntlet gate: ${xmlEscape(report.scenario)} vs ${xmlEscape(report.baseline)}: ${h.status} — ${xmlEscape(h.summary)}" tests="${report.checks.length + cannot}" failures="${failures}">`);
  if (cannot) {
    out.push(`  <testsuite name="measurement" tests="${cannot}" failures="${cannot}">`);
    for (const reason of report.invalid) out.push(`    <testcase classname="measurement" name="valid"><failure message="${xmlEscape(reason)}"/></testcase>`);
    for (const u of report.undecided) out.push(`    <testcase classname="measurement" name="not explained by the generator's lag"><failure message="${xmlEscape(u)}"/></testcase>`);
    out.push('  </testsuite>');
  }
  for (const phase of phases) {
    const checks = report.checks.filter((c) => c.phase === phase);
    out.push(`  <testsuite name="${xmlEscape(phase)}" tests="${checks.length}" failures="${checks.filter((c) => !c.pass).length}">`);
    for (const c of checks) {
      const d = describeCheck(c);
      const open = `    <testcase classname="${xmlEscape(`${report.scenario}.${phase}`)}" name="${xmlEscape(d.name)}">`;
      if (d.failed) out.push(`${open}<failure message="${xmlEscape(d.message)}"/></testcase>`);
      else if (d.skipped) out.push(`${open}<skipped message="${xmlEscape(d.message)}"/></testcase>`);
      else out.push(`${open}<system-out>${xmlEscape(d.message)}</system-out></testcase>`);
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return `${out.join('\n')}\n`;
}
