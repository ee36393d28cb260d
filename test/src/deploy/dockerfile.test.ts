import { readFileSync } from 'node:fs';
import { validate, ValidationSeverity } from 'dockerfile-utils';
import { describe, expect, it } from 'vitest';
import { IMAGE_UID } from '../../../src/k8s/objects.js';

const dockerfile = readFileSync('Dockerfile', 'utf8');
const ignore = readFileSync('.dockerignore', 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
const W = ValidationSeverity.WARNING;
/** Every rule of dockerfile-utils that can be a warning is one (the defaults ignore some). */
const STRICT = { deprecatedMaintainer: W, directiveCasing: W, emptyContinuationLine: W, instructionCasing: W, instructionCmdMultiple: W, instructionEntrypointMultiple: W, instructionHealthcheckMultiple: W, instructionJSONInSingleQuotes: W, instructionWorkdirRelative: W };
const lint = (text: string): string[] => validate(text, STRICT).map((d) => `${d.range.start.line + 1}: ${d.message}`);

/** instructions are the Dockerfile's instructions (continuations joined, comments left out), split by stage. */
function stages(text: string): string[][] {
  const lines = text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  const out: string[][] = [];
  for (const l of lines) {
    if (/^FROM\s/i.test(l)) out.push([]);
    out[out.length - 1]!.push(l);
  }
  return out;
}

describe('Dockerfile', () => {
  it('has no errors or warnings from dockerfile-utils (every rule at warning)', () => {
    expect(lint(dockerfile)).toEqual([]);
  });

  it('the linter bites: a broken Dockerfile gets its problems', () => {
    const broken = 'from node:20.19.5-slim\nWORKDIR app\nCMD ["a"]\nCMD ["b"]\nEXPOSE port\nCOPY\n';
    const problems = lint(broken);
    expect(problems.length).toBeGreaterThanOrEqual(4);
    expect(problems.join('\n')).toMatch(/uppercase/i);
  });

  const [build, runtime] = stages(dockerfile);

  it('is two stages: dev dependencies compile dist/, the image keeps production dependencies only', () => {
    expect(stages(dockerfile)).toHaveLength(2);
    expect(build!.join('\n')).toMatch(/^RUN npm ci --ignore-scripts$/m);
    expect(build!.join('\n')).toMatch(/^RUN npx tsc -p \.$/m);
    expect(runtime!.join('\n')).toMatch(/^RUN npm ci --omit=dev --ignore-scripts/m);
    expect(runtime!.join('\n')).toMatch(/^COPY --from=build \/app\/dist \.\/dist$/m);
    expect(dockerfile).not.toMatch(/npm install/);
  });

  it('pins both base images to an exact Node 20 slim version (not latest, not a floating major)', () => {
    for (const stage of [build!, runtime!]) expect(stage[0]).toMatch(/^FROM node:20\.\d+\.\d+-slim( AS \w+)?$/);
  });

  it('builds the bundled models at image build time and runs as a non-root user under an init', () => {
    expect(runtime!.join('\n')).toMatch(/RUN node dist\/src\/cli\/main\.js models build/);
    const user = runtime!.filter((l) => /^USER\s/.test(l));
    // The uid the rendered pods run as (runAsUser).
    expect(user).toEqual([`USER ${IMAGE_UID}:${IMAGE_UID}`]);
    // USER comes after every RUN (nothing after it runs as root).
    expect(runtime!.findLastIndex((l) => /^RUN\s/.test(l))).toBeLessThan(runtime!.indexOf(user[0]!));
    expect(runtime!.at(-2)).toBe('ENTRYPOINT ["/usr/bin/tini", "--", "gauntlet"]');
  });

  it('.dockerignore keeps the host\'s dependencies, outputs and history out of the build context', () => {
    for (const p of ['.git', 'node_modules', 'dist', 'models', 'reports', 'test']) expect(ignore).toContain(p);
    // What the running image reads from the source tree must stay in the context.
    for (const p of ['src', 'reference-server', 'scenarios', 'package.json', 'package-lock.json']) expect(ignore).not.toContain(p);
  });
});
