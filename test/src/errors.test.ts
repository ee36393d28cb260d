import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, exitCodeOf, GauntletError } from '../../src/errors.js';

describe('error codes', () => {
  const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');

  it.each(Object.entries(ERROR_CODES))('%s is documented in docs/errors.md with its exit code', (code, { exit }) => {
    expect(doc).toMatch(new RegExp(`\\| \`${code}\` \\| ${exit} \\|`));
  });

  it('maps errors to exit codes, unknown errors to 4', () => {
    expect(exitCodeOf(new GauntletError('GAUNTLET_ERR_INVALID_CONFIG', 'x'))).toBe(2);
    expect(exitCodeOf(new Error('boom'))).toBe(4);
  });
});
