/**
 * packageVersion reads gauntlet's version from its package.json (found above this module, from the TypeScript
 * sources or from dist/).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/** packageVersion returns the version field of the nearest package.json above this module. */
export function packageVersion(): string {
  if (cached) return cached;
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) return (cached = (JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version ?? '0.0.0');
    if (dirname(dir) === dir) return (cached = '0.0.0');
  }
}
