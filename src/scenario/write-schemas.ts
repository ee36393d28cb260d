/**
 * Writes the JSON Schemas of scenario, target and sweep files next to the examples, for editors:
 * `npx tsx src/scenario/write-schemas.ts` (from anywhere in the repository). test/src/scenario/json-schema.test.ts
 * fails when the committed files differ from what the code generates, so run this after changing the format.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sweepJsonSchema } from '../sweep/json-schema.js';
import { scenarioJsonSchema, targetJsonSchema } from './json-schema.js';

/** schemaFiles maps each schema file, relative to the repository root, to its generated content. */
export function schemaFiles(): Record<string, string> {
  const text = (schema: object): string => `${JSON.stringify(schema, null, 2)}\n`;
  return {
    'scenarios/scenario.schema.json': text(scenarioJsonSchema()),
    'targets/target.schema.json': text(targetJsonSchema()),
    'scenarios/sweeps/sweep.schema.json': text(sweepJsonSchema()),
  };
}

/** repositoryRoot is the nearest folder above this file that holds package.json (works from src/ and dist/src/). */
export function repositoryRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('package.json not found above write-schemas');
    dir = up;
  }
  return dir;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const root = repositoryRoot();
  for (const [file, content] of Object.entries(schemaFiles())) {
    writeFileSync(join(root, file), content);
    process.stdout.write(`wrote ${file}\n`);
  }
}
