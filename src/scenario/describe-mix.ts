/**
 * describeMix renders a request's mix for `--dry-run`: one line per template with its share of the requests, its
 * model, its inputs (or how many requests its data file holds) and what its responses are checked against.
 */
import type { RequestSpec, RequestTemplate, ResponseExpect } from '../targets/target-spec.js';

/** describeMix returns the lines of a request's mix (none without one). */
export function describeMix(r: RequestSpec): string[] {
  if (r.mix === undefined) return [];
  const total = r.mix.reduce((s, t) => s + t.weight, 0);
  return r.mix.map((t) => `  ${t.name}: ${round((100 * t.weight) / total)}% · ${describeTemplate(t, r)}`);
}

function describeTemplate(t: RequestTemplate, r: RequestSpec): string {
  const parts = [`model ${t.model ?? r.model ?? '(the target\'s)'}${t.modelVersion ? ` v${t.modelVersion}` : ''}`];
  const inputs = t.inputs.map((i) => `${i.name} ${i.datatype} [${i.shape.join(', ')}]`).join(', ');
  if (t.samples !== undefined) parts.push(`${t.samples.length} request${t.samples.length === 1 ? '' : 's'} from data (${inputs}), in turn`);
  else parts.push(`inputs ${t.inputs.map((i) => `${i.name} ${i.datatype} [${i.shape.join(', ')}] ${i.data.kind === 'values' ? `${i.data.values.length} values` : i.data.kind}`).join(', ')}`);
  if (t.outputs) parts.push(`outputs ${t.outputs.join(', ')}`);
  const expected = t.samples?.filter((s) => s.expected !== undefined).length ?? 0;
  const checks = describeExpect(t.expect, expected);
  if (checks !== '') parts.push(`checks: ${checks}`);
  return parts.join(' · ');
}

function describeExpect(e: ResponseExpect | undefined, expected: number): string {
  const out: string[] = [];
  if (e?.status) out.push(`status ${e.status.join('|')}`);
  for (const o of e?.outputs ?? []) {
    const what = [o.datatype, o.shape && `[${o.shape.map((d) => (d === -1 ? '*' : d)).join(', ')}]`, o.values && `${o.values.length} values`].filter(Boolean).join(' ');
    out.push(`${o.name}${what ? ` ${what}` : ''}`);
  }
  if (expected > 0) out.push(`expected outputs for ${expected} request${expected === 1 ? '' : 's'}`);
  if (e && (expected > 0 || e.outputs.some((o) => o.values))) out.push(`tolerance ${e.tolerance.absolute} + ${e.tolerance.relative} × |expected|`);
  return out.join(', ');
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}
