/**
 * Markdown, CSV and JUnit reports of the committed fixtures (trimmed real runs and sweeps, fixtures/README.md)
 * against saved files in golden/. A change in a report shows as a diff here; when it is intended, refresh them:
 *
 *   UPDATE_GOLDEN=1 npx vitest run test/src/report
 *
 * and review the diff of test/src/report/golden/ like code.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadInputs } from '../../../src/report/load-inputs.js';
import { MARKDOWN_LIMIT } from '../../../src/report/markdown-report.js';
import { type ReportFormat, renderReport } from '../../../src/report/write-reports.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../../..');
const GOLDEN = path.join(HERE, 'golden');
const UPDATE = process.env['UPDATE_GOLDEN'] === '1';

/** fixture names a fixture relative to the repository root, so paths printed in reports do not depend on the machine. */
const fixture = (name: string): string => path.relative(ROOT, path.join(HERE, 'fixtures', name));

const CASES: { name: string; inputs: string[]; format: ReportFormat }[] = [
  { name: 'run-demo.md', inputs: ['demo.json'], format: 'md' },
  { name: 'run-demo.csv', inputs: ['demo.json'], format: 'csv' },
  { name: 'run-drill.md', inputs: ['drill.json'], format: 'md' },
  { name: 'run-drill.csv', inputs: ['drill.json'], format: 'csv' },
  { name: 'run-drill.junit.xml', inputs: ['drill.json'], format: 'junit' },
  { name: 'run-llm.md', inputs: ['llm-steady.json'], format: 'md' },
  { name: 'run-llm.csv', inputs: ['llm-steady.json'], format: 'csv' },
  { name: 'run-llm.junit.xml', inputs: ['llm-repeat/rep-1'], format: 'junit' },
  { name: 'compare-llm-kserve.md', inputs: ['llm-steady.json', 'demo.json'], format: 'md' },
  { name: 'compare-targets.md', inputs: ['cmp-http.json', 'cmp-grpc.json'], format: 'md' },
  { name: 'compare-targets.csv', inputs: ['cmp-http.json', 'cmp-grpc.json'], format: 'csv' },
  { name: 'sweep-search.md', inputs: ['sweep-search'], format: 'md' },
  { name: 'sweep-search.csv', inputs: ['sweep-search'], format: 'csv' },
  { name: 'sweep-search.junit.xml', inputs: ['sweep-search'], format: 'junit' },
  { name: 'sweep-precision.md', inputs: ['sweep-precision'], format: 'md' },
  { name: 'sweep-precision.csv', inputs: ['sweep-precision'], format: 'csv' },
  { name: 'sweep-vendors.md', inputs: ['sweep-vendors'], format: 'md' },
  { name: 'sweep-vendors.csv', inputs: ['sweep-vendors'], format: 'csv' },
  { name: 'sweep-tie.md', inputs: ['sweep-tie'], format: 'md' },
  { name: 'sweep-ceiling.md', inputs: ['sweep-ceiling'], format: 'md' },
  { name: 'repeat.md', inputs: ['repeat'], format: 'md' },
  { name: 'repeat.csv', inputs: ['repeat'], format: 'csv' },
  { name: 'repeat.junit.xml', inputs: ['repeat'], format: 'junit' },
  { name: 'repeat-llm.md', inputs: ['llm-repeat'], format: 'md' },
  { name: 'repeat-llm.csv', inputs: ['llm-repeat'], format: 'csv' },
  { name: 'sweep-llm-precision.md', inputs: ['sweep-llm-precision'], format: 'md' },
  { name: 'sweep-llm-precision.csv', inputs: ['sweep-llm-precision'], format: 'csv' },
  { name: 'repeat-vs-run.md', inputs: ['repeat', 'demo.json'], format: 'md' },
  { name: 'profile-mlp.md', inputs: ['profile-mlp-cpu'], format: 'md' },
  { name: 'profile-mlp.csv', inputs: ['profile-mlp-cpu'], format: 'csv' },
  { name: 'profiles-side-by-side.md', inputs: ['profile-mlp-cpu', 'profile-mlp-16c/profile.json'], format: 'md' },
  { name: 'profiles-side-by-side.csv', inputs: ['profile-mlp-cpu', 'profile-mlp-16c'], format: 'csv' },
];

describe('report golden files', () => {
  it.each(CASES)('$name', ({ name, inputs, format }) => {
    const prev = process.cwd();
    process.chdir(ROOT);
    let text: string;
    try {
      text = renderReport(loadInputs(inputs.map(fixture)), format);
    } finally {
      process.chdir(prev);
    }
    const file = path.join(GOLDEN, name);
    if (UPDATE || !existsSync(file)) {
      mkdirSync(GOLDEN, { recursive: true });
      writeFileSync(file, text);
      if (!UPDATE) throw new Error(`golden file ${name} was missing and has been written: review it, then run again`);
    }
    expect(text).toBe(readFileSync(file, 'utf8'));
    if (format === 'md') expect(text.length).toBeLessThan(MARKDOWN_LIMIT);
    if (format === 'csv') expect(text.endsWith('\r\n')).toBe(true);
  });
});
