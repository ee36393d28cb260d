/**
 * The combinations of an external sweep: the cross product of its variables (the first declared varies
 * slowest), each named by the values of the variables that vary, e.g. `03-max_batch_size-8_instances-2`.
 */
import type { VarValue } from './config-template.js';

/** VariableCombination is one assignment of every variable, with its folder name and 1-based position. */
export interface VariableCombination {
  id: string;
  index: number;
  variables: Record<string, VarValue>;
}

/** variableCombinations is the cross product of the variables. */
export function variableCombinations(variables: Readonly<Record<string, readonly VarValue[]>>): VariableCombination[] {
  const names = Object.keys(variables).filter((n) => (variables[n]?.length ?? 0) > 0);
  let all: Record<string, VarValue>[] = [{}];
  for (const name of names) all = all.flatMap((c) => variables[name]!.map((v) => ({ ...c, [name]: v })));
  const varying = names.filter((n) => variables[n]!.length > 1);
  const width = Math.max(2, String(all.length).length);
  return all.map((vars, i) => {
    const parts = varying.map((n) => `${n}-${slug(String(vars[n]))}`);
    return { id: `${String(i + 1).padStart(width, '0')}-${parts.length ? parts.join('_') : 'base'}`.slice(0, 120), index: i + 1, variables: vars };
  });
}

/** describeVariables renders a combination's variables for people: `max_batch_size=8, instances=2`. */
export function describeVariables(vars: Readonly<Record<string, VarValue>>): string {
  const parts = Object.entries(vars).map(([k, v]) => `${k}=${typeof v === 'string' ? v : String(v)}`);
  return parts.length ? parts.join(', ') : 'no variables';
}

function slug(v: string): string {
  return v.replace(/[^A-Za-z0-9.-]+/g, '') || 'x';
}
