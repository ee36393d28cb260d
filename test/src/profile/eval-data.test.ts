import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadEvalData, top1Accuracy } from '../../../src/profile/eval-data.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-eval-'));

describe('loadEvalData', () => {
  it('takes a JSONL sample of 300k values (an image model\'s size) without overflowing the call stack', () => {
    const n = 300_000;
    const file = path.join(dir, 'big.jsonl');
    writeFileSync(file, `${JSON.stringify({ input: new Array(n).fill(0.5), label: 1 })}\n`);
    const set = loadEvalData(file, undefined, [{ name: 'x', datatype: 'float32', dims: ['batch', n] }], new Map([['x', [n]]]));
    expect(set.samples).toBe(1);
    expect(set.feeds[0]!.dims).toEqual([1, n]);
    expect((set.feeds[0]!.data as Float32Array)[n - 1]).toBe(0.5);
    expect(set.labels).toEqual([1]);
  });

  it.each([
    ['{"input": [1, 2]}\n{"input": [3, 4], "label": 0}\n', /:2: either every line has a "label" or none does/],
    ['{"input": [1, "a"]}\n', /:1\.inputs\.x: "a" is not a finite number/],
    ['{"input": [1, 2], "label": -1}\n', /:1\.label: must be an integer class index >= 0/],
    ['not json\n', /:1: not JSON/],
    ['\n\n', /no samples/],
  ])('refuses %j naming the line', (body, message) => {
    const file = path.join(dir, 'bad.jsonl');
    writeFileSync(file, body);
    expect(() => loadEvalData(file, undefined, [{ name: 'x', datatype: 'float32', dims: ['batch', 2] }], new Map([['x', [2]]]))).toThrow(message);
  });

  it('top1Accuracy compares each sample\'s arg-max with its label', () => {
    expect(top1Accuracy(Float32Array.from([0, 1, 5, 2, 3, 3]), [1, 1, 0])).toBeCloseTo(2 / 3, 10);
  });
});
