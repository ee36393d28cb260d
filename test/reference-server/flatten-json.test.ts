/**
 * flattenJson, the walk over a tensor's JSON `data`: row-major order for every accepted nesting, a 400 naming
 * the input and the list for nesting that does not match the shape, and no stack overflow at any depth.
 */
import { describe, expect, it } from 'vitest';
import { InferError } from '../../reference-server/core/errors.js';
import { flattenJson } from '../../reference-server/core/tensor-codec.js';

/** deep nests `leaf` in n lists without recursion (a recursive builder would overflow too). */
function deep(n: number, leaf: unknown = 1): unknown {
  let v = leaf;
  for (let i = 0; i < n; i++) v = [v];
  return v;
}

describe('flattenJson', () => {
  it.each([
    ['a scalar', 7, [], [7]],
    ['a flat list (its length is the validator’s business)', [1, 2, 3], [2, 2], [1, 2, 3]],
    ['lists nested like the shape', [[1, 2], [3, 4], [5, 6]], [3, 2], [1, 2, 3, 4, 5, 6]],
    ['three levels', [[[1, 2], [3, 4]], [[5, 6], [7, 8]]], [2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8]],
    ['the outer level nested, the inner flattened', [[1, 2, 3, 4], [5, 6, 7, 8]], [2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8]],
    ['empty rows of a zero dimension', [[], []], [2, 0], []],
    ['an empty list', [], [0, 16], []],
  ])('accepts %s', (_label, data, shape, flat) => {
    expect(flattenJson(data, 'x', shape)).toEqual(flat);
  });

  it.each([
    ['nesting deeper than the rank', [[[1, 2]]], [1, 2], /input 'x': data is nested 3 levels deep, deeper than its shape \[1,2\] \(rank 2\)/],
    ['nesting under a rank-1 shape', [[1], [2]], [2], /data is nested 2 levels deep, deeper than its shape \[2\] \(rank 1\)/],
    ['10,000 levels under a rank-2 shape', deep(10_000), [1, 1], /data is nested 3 levels deep/],
    ['a short row', [[1, 2], [3]], [2, 2], /input 'x': data\[1\] holds 1 values, but shape \[2,2\] needs 2 there/],
    ['too many rows', [[1, 2], [3, 4], [5, 6]], [2, 2], /input 'x': data holds 3 lists, but shape \[2,2\] needs 2 at depth 1/],
    ['a deep ragged list', [[[1, 2], [3, 4]], [[5, 6], [7]]], [2, 2, 2], /data\[1\]\[1\] holds 1 values/],
    ['lists mixed with values', [[1, 2], 3], [2, 2], /input 'x': data mixes lists and values/],
    ['values at two depths', [[[1, 2], [3, 4]], [5, 6, 7, 8]], [2, 2, 2], /data\[1\] holds values at depth 2, but other values of the data sit at depth 3/],
    ['a long shape in the message', deep(3), Array(20).fill(1).concat([2]), /shape \[1,1,1,1,1,1,1,1,… 13 more\]/],
  ])('refuses %s with INVALID_ARGUMENT', (_label, data, shape, message) => {
    let err: unknown;
    try {
      flattenJson(data, 'x', shape as number[]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InferError);
    expect((err as InferError).status).toBe('INVALID_ARGUMENT');
    expect((err as InferError).message).toMatch(message);
  });

  it('walks 1,000,000 levels without a shape and without overflowing the stack', () => {
    expect(flattenJson(deep(1_000_000, 5))).toEqual([5]);
  });

  it('walks 100,000 levels that match a 100,000-dimension shape', () => {
    expect(flattenJson(deep(100_000, 5), 'x', Array(100_000).fill(1))).toEqual([5]);
  });
});
