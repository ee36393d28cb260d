import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { CLI, ROOT } from '../../helpers/cli.js';

function gauntlet(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(!existsSync(CLI))('gauntlet k8s', () => {
  it('render --out - prints the four objects as one YAML stream', () => {
    const r = gauntlet(['k8s', 'render', 'examples/k8s/scenario.yaml', '--shards', '2', '--image', 'gauntlet:0.1.0', '--start-in', '5m', '--out', '-']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const kinds = parseAllDocuments(r.stdout).map((d) => (d.toJS() as { kind: string }).kind);
    expect(kinds).toEqual(['ConfigMap', 'PersistentVolumeClaim', 'Job', 'Job']);
  });

  it('render-stack --out DIR writes one file an object, the KEDA alternative apart', () => {
    const dir = mkdtempSync(join(tmpdir(), 'k8s-cli-'));
    const r = gauntlet(['k8s', 'render-stack', '--image', 'gauntlet:0.1.0', '--out', dir]);
    expect(r.status).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['00-namespace.yaml', '10-deployment.yaml', '20-service.yaml', '30-pdb.yaml', '40-servicemonitor.yaml', '50-hpa.yaml', 'alternatives']);
    expect(readdirSync(join(dir, 'alternatives'))).toEqual(['keda-scaledobject.yaml']);
  });

  it('bad options are exit 2, every problem listed', () => {
    const r = gauntlet(['k8s', 'render', 'examples/k8s/scenario.yaml', '--shards', '0', '--image', 'gauntlet:0.1.0', '--start-at', 'soon']);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/--shards: must be a whole number from 1 to 1000, got 0/);
    expect(r.stderr).toMatch(/--start-at: must be ISO 8601/);
  });
});
