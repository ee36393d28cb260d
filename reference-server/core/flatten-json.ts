/**
 * Flattening a tensor's JSON `data` (a flat list, nested lists in row-major order, or a scalar) without
 * recursion: the walk keeps its own stack, so no nesting depth can overflow the call stack, and with the
 * request's shape it refuses nesting deeper than the shape's rank or lists whose lengths do not match it.
 */
import { invalid } from './errors.js';

/** SHOWN_DIMS is how many dimensions of a shape an error message prints before eliding the rest. */
const SHOWN_DIMS = 8;

/**
 * flattenJson flattens `data` in row-major order; a scalar becomes a one-element list. With `shape`, nested
 * data must match it: no deeper than its rank, every list at depth d (1 = the outermost) holding `shape[d-1]`
 * lists or, at the innermost level, the product of the remaining dimensions in values, and every value nested
 * equally deep. A flat list is returned as it is (its length is checked against the shape by the validator).
 * A mismatch is an INVALID_ARGUMENT naming the input and the path of the offending list.
 */
export function flattenJson(data: unknown, name = '', shape?: readonly number[]): unknown[] {
  if (!Array.isArray(data)) return [data];
  if (!data.some(Array.isArray)) return data;
  const label = `input '${name}'`;
  if (shape !== undefined && shape.length < 2) throw tooDeep(label, shape, 2);
  const out: unknown[] = [];
  // arrays[k] is the list open at depth k + 1 and next[k] the index of its next element.
  const arrays: unknown[][] = [data];
  const next: number[] = [0];
  let leafDepth = 0;
  while (arrays.length > 0) {
    const depth = arrays.length;
    const list = arrays[depth - 1]!;
    const i = next[depth - 1]!;
    if (i === 0 && shape !== undefined) leafDepth = checkList(label, shape, list, depth, next, leafDepth);
    if (i >= list.length) {
      arrays.pop();
      next.pop();
      continue;
    }
    next[depth - 1] = i + 1;
    const v = list[i];
    if (!Array.isArray(v)) {
      out.push(v);
      continue;
    }
    arrays.push(v);
    next.push(0);
  }
  return out;
}

/** checkList checks one list on entering it and returns the depth at which values sit (0 while unknown). */
function checkList(label: string, shape: readonly number[], list: unknown[], depth: number, next: number[], leafDepth: number): number {
  const holdsLists = list.length > 0 && Array.isArray(list[0]);
  for (let k = 1; k < list.length; k++) {
    if (Array.isArray(list[k]) !== holdsLists) throw invalid(`${label}: ${path(next, depth)} mixes lists and values, which does not match shape ${showShape(shape)}`);
  }
  if (holdsLists) {
    if (depth >= shape.length) throw tooDeep(label, shape, depth + 1);
    const want = shape[depth - 1]!;
    if (list.length !== want) throw invalid(`${label}: ${path(next, depth)} holds ${list.length} lists, but shape ${showShape(shape)} needs ${want} at depth ${depth}`);
    return leafDepth;
  }
  let want = 1;
  for (let d = depth - 1; d < shape.length; d++) want *= shape[d]!;
  if (list.length !== want) throw invalid(`${label}: ${path(next, depth)} holds ${list.length} values, but shape ${showShape(shape)} needs ${want} there`);
  if (list.length === 0) return leafDepth;
  if (leafDepth !== 0 && leafDepth !== depth) throw invalid(`${label}: ${path(next, depth)} holds values at depth ${depth}, but other values of the data sit at depth ${leafDepth}`);
  return depth;
}

/** path names the list open at `depth`: `data`, `data[2]`, `data[2][0]`, … (next[] holds the following indices). */
function path(next: number[], depth: number): string {
  let p = 'data';
  for (let k = 0; k < depth - 1; k++) p += `[${next[k]! - 1}]`;
  return p;
}

function tooDeep(label: string, shape: readonly number[], depth: number): Error {
  return invalid(`${label}: data is nested ${depth} levels deep, deeper than its shape ${showShape(shape)} (rank ${shape.length})`);
}

/** showShape prints a shape for a message, eliding dimensions past the first few. */
function showShape(shape: readonly number[]): string {
  const dims = shape.length > SHOWN_DIMS ? [...shape.slice(0, SHOWN_DIMS), `… ${shape.length - SHOWN_DIMS} more`] : shape;
  return `[${dims.join(',')}]`;
}
