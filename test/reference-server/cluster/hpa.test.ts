/**
 * The HPA decision as tables: the tolerance, the min/max clamp, the stabilisation windows (lowest recommendation
 * over the scale-up window, highest over the scale-down window) and the policies (pods or percent per period,
 * the most permissive one winning); then the policy syntax's happy and sad rows.
 */
import { describe, expect, it } from 'vitest';
import { decide, emptyHistory, type HpaSettings, parsePolicies } from '../../../reference-server/cluster/hpa.js';

const base: HpaSettings = {
  min: 1,
  max: 20,
  target: 10,
  tolerance: 0.1,
  upStabilizationS: 0,
  downStabilizationS: 0,
  upPolicies: [{ kind: 'pods', value: 100, periodS: 15 }],
  downPolicies: [{ kind: 'percent', value: 100, periodS: 15 }],
};

describe('decide (one decision, empty history)', () => {
  it.each([
    // current, ready, metric, settings over, recommended, desired, limitedBy
    [2, 2, 10.9, {}, 2, 2, 'tolerance'],
    [2, 2, 9.1, {}, 2, 2, 'tolerance'],
    [2, 2, 11.5, {}, 3, 3, 'none'],
    [2, 2, 50, {}, 10, 10, 'none'],
    [4, 4, 2, {}, 1, 1, 'none'],
    [4, 4, 0, { min: 2 }, 0, 2, 'min'],
    [2, 2, 200, { max: 5 }, 40, 5, 'max'],
    [3, 3, 3, { target: 1 }, 9, 9, 'none'],
    [2, 0, 50, {}, 2, 2, 'no-ready-replica'],
    // Two of four still starting: toward fewer replicas they count at the target, as the HPA counts pods with no metric.
    [4, 2, 1, {}, 3, 3, 'none'],
    [4, 2, 5, {}, 3, 3, 'none'],
    [4, 2, 8.5, {}, 4, 4, 'starting-replicas'],
    [4, 1, 0, {}, 3, 3, 'none'],
    [3, 1, 12, {}, 3, 3, 'starting-replicas'],
    // Toward more replicas the starting ones add nothing: ceil(ready × value / target).
    [4, 2, 30, {}, 6, 6, 'none'],
    [2, 2, 50, { upPolicies: [{ kind: 'pods', value: 4, periodS: 15 }] }, 10, 6, 'up-policy'],
    [2, 2, 50, { upPolicies: [{ kind: 'percent', value: 100, periodS: 15 }] }, 10, 4, 'up-policy'],
    [2, 2, 50, { upPolicies: [{ kind: 'pods', value: 4, periodS: 15 }, { kind: 'percent', value: 100, periodS: 15 }] }, 10, 6, 'up-policy'],
    [10, 10, 1, { downPolicies: [{ kind: 'percent', value: 50, periodS: 15 }] }, 1, 5, 'down-policy'],
    [10, 10, 1, { downPolicies: [{ kind: 'pods', value: 1, periodS: 60 }] }, 1, 9, 'down-policy'],
  ] as const)('current %i, ready %i, metric %d, %o: recommended %i, desired %i, limited by %s', (current, ready, metric, over, recommended, desired, limitedBy) => {
    expect(decide({ ...base, ...over }, emptyHistory(), 100, current, ready, metric)).toEqual({ recommended, desired, limitedBy });
  });
});

describe('decide over time', () => {
  it('scales up only once the recommendation stayed high for the whole scale-up window', () => {
    const s = { ...base, upStabilizationS: 3 };
    const h = emptyHistory();
    const steps = [0, 1, 2, 3, 4].map((t) => [t, decide(s, h, t, 2, 2, t === 0 ? 10 : 50).desired]);
    // t=0 recommends 2; t=1 and 2 still see it in the window; at t=3 the window (0, 3] holds 10s only.
    expect(steps).toEqual([[0, 2], [1, 2], [2, 2], [3, 10], [4, 10]]);
  });

  it('scales down to the highest recommendation of the scale-down window', () => {
    const s = { ...base, downStabilizationS: 5 };
    const h = emptyHistory();
    expect(decide(s, h, 0, 8, 8, 10).desired).toBe(8);
    expect(decide(s, h, 1, 8, 8, 5).desired).toBe(8); // recommends 4; 8 (t=0) is in the window
    expect(decide(s, h, 2, 8, 8, 7.5)).toEqual({ recommended: 6, desired: 8, limitedBy: 'down-stabilization' });
    expect(decide(s, h, 5.5, 8, 8, 5)).toEqual({ recommended: 4, desired: 6, limitedBy: 'down-stabilization' });
    expect(decide(s, h, 7.5, 6, 6, 5).desired).toBe(4); // the 6 of t=2 left the window
  });

  it('counts the changes of the running period against the policy', () => {
    const s = { ...base, upPolicies: [{ kind: 'pods' as const, value: 2, periodS: 10 }] };
    const h = emptyHistory();
    expect(decide(s, h, 0, 2, 2, 100).desired).toBe(4);
    expect(decide(s, h, 5, 4, 2, 100)).toEqual({ recommended: 20, desired: 4, limitedBy: 'up-policy' });
    expect(decide(s, h, 10.5, 4, 4, 100).desired).toBe(6); // the change at t=0 left the period
  });
});

describe('parsePolicies', () => {
  it.each([
    ['4pods/15s', [{ kind: 'pods', value: 4, periodS: 15 }]],
    ['1pod/1s', [{ kind: 'pods', value: 1, periodS: 1 }]],
    ['100%/15s, 4pods/60s', [{ kind: 'percent', value: 100, periodS: 15 }, { kind: 'pods', value: 4, periodS: 60 }]],
    ['50%/1500ms', [{ kind: 'percent', value: 50, periodS: 1.5 }]],
  ])('%s', (text, want) => expect(parsePolicies(text)).toEqual(want));

  it.each(['', '4pods', '4/15s', '0pods/15s', '1.5pods/15s', '4pods/0s', '4pods/2h', '2000%/15s', '4pods/15s,', 'x'])('refuses %j', (text) => {
    expect(parsePolicies(text)).toBeUndefined();
  });
});
