/**
 * `npm test` after the build: the suite as two vitest processes at once (projects of vitest.config.ts), each
 * running its files one at a time — `e2e` (everything that depends on the machine) and `side` (files that measure
 * nothing about it, plus the long drills that judge themselves against how late their own tools were). The e2e
 * process prints as it goes; the side process's output follows it. Arguments are vitest's and go to both; a JSON
 * report (`--outputFile.json=FILE`) is written by each to a file of its own and merged into FILE, so a reader of it
 * (.ci/run) sees one suite. Exit status: the first non-zero of the two.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

// vitest's own command line (its package exports its package.json, not its bin).
const vitest = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs');
const args = process.argv.slice(2);
const jsonArg = args.findIndex((a) => a.startsWith('--outputFile.json='));
const jsonFile = jsonArg >= 0 ? args[jsonArg].slice('--outputFile.json='.length) : undefined;

/** run starts one project's vitest; its output goes to this process's stdout live (`live`) or is kept for later. */
function run(project, live) {
  const own = jsonFile ? args.map((a, i) => (i === jsonArg ? `--outputFile.json=${jsonFile}.${project}` : a)) : args;
  // The side files know they run beside the e2e files (a busy neighbour: servers, drills, browsers).
  const env = { ...process.env, ...(project === 'side' && { GAUNTLET_TESTS_BESIDE_E2E: '1' }) };
  const child = spawn(process.execPath, [vitest, 'run', '--project', project, ...own], { env, stdio: ['ignore', live ? 'inherit' : 'pipe', live ? 'inherit' : 'pipe'] });
  let kept = '';
  if (!live) {
    child.stdout.on('data', (d) => (kept += d));
    child.stderr.on('data', (d) => (kept += d));
  }
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ project, code: code ?? (signal ? 1 : 0), kept })));
}

// A signal to `npm test` ends both.
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));

const [e2e, side] = await Promise.all([run('e2e', true), run('side', false)]);
process.stdout.write(`\n--- the side project (vitest run --project side), run beside the e2e files ---\n${side.kept}`);

if (jsonFile) {
  const parts = [e2e, side].map((p) => `${jsonFile}.${p.project}`).filter((f) => existsSync(f)).map((f) => {
    const r = JSON.parse(readFileSync(f, 'utf8'));
    rmSync(f);
    return r;
  });
  if (parts.length === 2) {
    const [a, b] = parts;
    const sum = (k) => (a[k] ?? 0) + (b[k] ?? 0);
    const merged = { ...a, testResults: [...a.testResults, ...b.testResults], success: a.success && b.success, startTime: Math.min(a.startTime, b.startTime) };
    for (const k of Object.keys(a)) if (k.startsWith('num') && typeof a[k] === 'number') merged[k] = sum(k);
    writeFileSync(jsonFile, JSON.stringify(merged));
    // The failures again, last: a reader who sees only the end of a long log (a CI page) still learns what failed.
    const failures = merged.testResults.flatMap((f) =>
      (f.assertionResults ?? []).filter((t) => t.status === 'failed').map((t) => ({ file: f.name, name: t.fullName ?? t.title, message: (t.failureMessages ?? [])[0] ?? '' })),
    );
    const broken = merged.testResults.filter((f) => f.status === 'failed' && !(f.assertionResults ?? []).some((t) => t.status === 'failed'));
    if (failures.length || broken.length) {
      process.stdout.write(`\n--- ${failures.length} failed test(s)${broken.length ? ` and ${broken.length} file(s) that failed outside a test` : ''} ---\n`);
      const here = process.cwd() + '/';
      for (const f of failures) process.stdout.write(`FAIL ${f.file.replace(here, '')} > ${f.name}\n  ${f.message.split('\n').slice(0, 6).join('\n  ')}\n`);
      for (const f of broken) process.stdout.write(`FAIL ${f.name.replace(here, '')}: ${(f.message ?? '').split('\n').slice(0, 6).join('\n  ')}\n`);
    }
  }
  // With one report missing, none is written: the reader counts that as a failure.
}
process.exitCode = e2e.code || side.code;
