/**
 * Reading a process's /proc/<pid>/stat (Linux): its parent and its CPU time. Elsewhere, or for a process that is
 * gone, the readers return undefined or 0.
 */
import { readFileSync } from 'node:fs';

/** statFields are the fields of /proc/<pid>/stat after the command name (field 3, the state, comes first). */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: fields resume after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** parentPid is a process's parent, or undefined when it cannot be read. */
export function parentPid(pid: number): number | undefined {
  const f = statFields(pid);
  return f ? Number(f[1]) : undefined;
}

/** processCpuSeconds is the user + system CPU time a process has used so far (10 ms resolution; 0 when unknown). */
export function processCpuSeconds(pid: number | undefined): number {
  const f = pid === undefined ? undefined : statFields(pid);
  return f ? (Number(f[11]) + Number(f[12])) / 100 : 0;
}
