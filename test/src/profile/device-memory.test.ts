import { describe, expect, it } from 'vitest';
import { parseComputeApps } from '../../../src/profile/device-memory.js';

describe('parseComputeApps', () => {
  it('sums the MiB nvidia-smi lists for our pid, and says null when it lists none', () => {
    const text = '1234, 512\n999, 100\n1234, 256\n';
    expect(parseComputeApps(text, 1234)).toBe(768 * 2 ** 20);
    expect(parseComputeApps(text, 42)).toBeNull();
    expect(parseComputeApps('', 1)).toBeNull();
    expect(parseComputeApps('1, [N/A]\n', 1)).toBeNull();
  });
});
