/**
 * The combinations of a sweep: the matrix's cross product in a fixed key order (the first key slowest), ids that
 * name the swept values, duplicates left out (batching off makes the queue delay irrelevant), and one per target.
 */
import { describe, expect, it } from 'vitest';
import { combinationsOf, describeConfig, matrixCombinations } from '../../../src/sweep/combinations.js';
import type { TargetSpec } from '../../../src/targets/target-spec.js';

describe('matrixCombinations', () => {
  it('is the cross product, the first key varying slowest', () => {
    const { combinations, duplicates } = matrixCombinations({ instanceCount: [1, 2], dynamicBatching: [false, true] });
    expect(duplicates).toBe(0);
    expect(combinations.map((c) => c.config)).toEqual([
      { dynamicBatching: false, instanceCount: 1 },
      { dynamicBatching: false, instanceCount: 2 },
      { dynamicBatching: true, instanceCount: 1 },
      { dynamicBatching: true, instanceCount: 2 },
    ]);
    expect(combinations.map((c) => c.id)).toEqual(['01-batching-off_inst1', '02-batching-off_inst2', '03-batching-on_inst1', '04-batching-on_inst2']);
    expect(combinations.map((c) => c.index)).toEqual([1, 2, 3, 4]);
  });

  it('names only the keys that vary, and multiplies out every key', () => {
    const { combinations } = matrixCombinations({ precision: ['fp32', 'int8', 'int4'], replicas: [2], intraOpThreads: [1, 2], executionProvider: ['cpu'] });
    expect(combinations).toHaveLength(6);
    expect(combinations.map((c) => c.id)).toEqual(['01-fp32_threads1', '02-fp32_threads2', '03-int8_threads1', '04-int8_threads2', '05-int4_threads1', '06-int4_threads2']);
    expect(combinations[3]!.config).toEqual({ precision: 'int8', intraOpThreads: 2, replicas: 2, executionProvider: 'cpu' });
  });

  it('leaves out combinations that differ only in a queue delay with batching off', () => {
    const { combinations, duplicates } = matrixCombinations({ dynamicBatching: [false, true], maxQueueDelayUs: [0, 500], maxBatchSize: [8, 64] });
    expect(duplicates).toBe(2);
    expect(combinations.map((c) => c.id)).toEqual([
      '01-batching-off_mbs8',
      '02-batching-off_mbs64',
      '03-batching-on_mbs8_delay0us',
      '04-batching-on_mbs8_delay500us',
      '05-batching-on_mbs64_delay0us',
      '06-batching-on_mbs64_delay500us',
    ]);
    expect(combinations[0]!.config).toEqual({ dynamicBatching: false, maxBatchSize: 8 });
  });

  it('is one combination, the base configuration, for an empty matrix', () => {
    const { combinations } = matrixCombinations({});
    expect(combinations).toEqual([{ id: '01-base', index: 1, config: {} }]);
    expect(describeConfig({})).toBe('the base configuration');
  });

  it('pads ids to the count of combinations', () => {
    const { combinations } = matrixCombinations({ maxBatchSize: Array.from({ length: 120 }, (_, i) => i + 1) });
    expect(combinations[0]!.id).toBe('001-mbs1');
    expect(combinations[119]!.id).toBe('120-mbs120');
  });
});

describe('combinationsOf', () => {
  it('makes one combination per target', () => {
    const spec = (name: string): TargetSpec => ({ name, protocol: 'kserve-http', url: 'http://127.0.0.1:1', binary: true, timeoutMs: 1000, maxInFlight: 10, connections: 0 });
    const { combinations } = combinationsOf({ targets: [{ spec: spec('vendor a') }, { spec: spec('b/gpu') }] });
    expect(combinations.map((c) => c.id)).toEqual(['1-vendor_a', '2-b_gpu']);
    expect(combinations[1]!.target?.spec.name).toBe('b/gpu');
  });
});

describe('describeConfig', () => {
  it.each([
    [{ dynamicBatching: false, instanceCount: 1 }, 'batching off, 1 instance'],
    [{ dynamicBatching: true, maxQueueDelayUs: 500, maxBatchSize: 64 }, 'batching on, delay 500 µs, max batch 64'],
    [{ maxQueueDelayUs: 100 }, 'batching on, delay 100 µs'],
    [{ precision: 'int8', intraOpThreads: 0, replicas: 2, executionProvider: 'webgpu' }, 'int8, auto intra-op threads, 2 replicas, webgpu'],
  ] as const)('%j → %s', (config, text) => {
    expect(describeConfig(config)).toBe(text);
  });
});
