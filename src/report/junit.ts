/**
 * JUnit XML for CI systems: one testsuite per phase, one testcase per check (a metric verdict against the
 * baseline, or an SLO threshold), failures carrying the numbers. Rendered from a GateReport only.
 */
import type { GateCheck, GateReport } from '../compare/gate.js';

/** xmlEscape escapes text for XML attributes and content. */
export function xmlEscape(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

function describeCheck(c: GateCheck): { name: string; message: string; failed: boolean; skipped: boolean } {
  if (c.kind === 'slo' && c.notRun) return { name: `SLO ${c.metric}`, message: `${c.metric}: not run (the phase did not run), threshold ${c.threshold} ${c.unit}`, failed: false, skipped: true };
  if (c.kind === 'slo') {
    const actual = c.actual === null || !Number.isFinite(c.actual) ? 'no successful responses' : String(+c.actual.toPrecision(4));
    return { name: `SLO ${c.metric}`, message: `${c.metric} = ${actual} ${c.unit}, threshold ${c.threshold} ${c.unit}`, failed: !c.pass, skipped: false };
  }
  return {
    name: `${c.metric} vs baseline`,
    message: `${c.verdict}: baseline ${fmt(c.baseline)}, candidate ${fmt(c.candidate)}; ${c.reason}`,
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
  const failures = report.checks.filter((c) => !c.pass).length + report.invalid.length;
  out.push(`<testsuites name="gauntlet gate: ${xmlEscape(report.scenario)} vs ${xmlEscape(report.baseline)}" tests="${report.checks.length + report.invalid.length}" failures="${failures}">`);
  if (report.invalid.length) {
    out.push(`  <testsuite name="measurement" tests="${report.invalid.length}" failures="${report.invalid.length}">`);
    for (const reason of report.invalid) out.push(`    <testcase classname="measurement" name="valid"><failure message="${xmlEscape(reason)}"/></testcase>`);
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
