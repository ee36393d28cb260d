/**
 * GPU facts from `nvidia-smi`, where it is present: this process's device memory and the GPU's name. Both are
 * null (never an error) on a machine without it, or when it fails or takes longer than NVIDIA_SMI_TIMEOUT_MS.
 */
import { execFileSync } from 'node:child_process';

/** NVIDIA_SMI_TIMEOUT_MS bounds one nvidia-smi call. */
export const NVIDIA_SMI_TIMEOUT_MS = 5000;

function nvidiaSmi(args: string[]): string | null {
  try {
    return execFileSync('nvidia-smi', args, { encoding: 'utf8', timeout: NVIDIA_SMI_TIMEOUT_MS, stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return null;
  }
}

/** parseComputeApps sums the MiB that `--query-compute-apps=pid,used_memory --format=csv,noheader,nounits` lists for `pid`, in bytes. */
export function parseComputeApps(text: string, pid: number): number | null {
  let mib: number | null = null;
  for (const line of text.split('\n')) {
    const [p, used] = line.split(',').map((s) => s.trim());
    if (Number(p) === pid && used !== undefined && Number.isFinite(Number(used))) mib = (mib ?? 0) + Number(used);
  }
  return mib === null ? null : mib * 2 ** 20;
}

/** deviceMemoryBytes is this process's device memory by nvidia-smi, or null where it cannot say. */
export function deviceMemoryBytes(pid = process.pid): number | null {
  const out = nvidiaSmi(['--query-compute-apps=pid,used_memory', '--format=csv,noheader,nounits']);
  return out === null ? null : parseComputeApps(out, pid);
}

/** gpuName is the first GPU's name by nvidia-smi, or null. */
export function gpuName(): string | null {
  const out = nvidiaSmi(['--query-gpu=name', '--format=csv,noheader']);
  const first = out?.split('\n')[0]?.trim();
  return first ? first : null;
}
