/**
 * What `gauntlet merge` arguments name: a results.json, a run folder holding one, or a glob (quoted, so that
 * gauntlet expands it, as inside a Kubernetes Job where no shell does) whose matches are either of those. A glob
 * has `*` and `?` within path segments (no `**`); its matches are sorted, and at most MAX_SHARD_FILES are taken.
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { resultsPath } from '../cli/results-paths.js';

/** MAX_SHARD_FILES bounds how many files one merge reads (the shard count's own limit). */
export const MAX_SHARD_FILES = 1000;

/** isGlob says whether an argument holds glob characters. */
export function isGlob(arg: string): boolean {
  return /[*?]/.test(arg);
}

/** expandShardArgs turns the arguments into results.json paths, with a problem for each glob that matches nothing. */
export function expandShardArgs(args: readonly string[]): { files: string[]; problems: string[] } {
  const files: string[] = [];
  const problems: string[] = [];
  for (const a of args) {
    if (!isGlob(a)) {
      files.push(resultsPath(a));
      continue;
    }
    const matches = globPaths(a);
    if (matches.length === 0) problems.push(`${a}: the pattern matches no file or folder`);
    for (const m of matches) files.push(resultsPath(m));
  }
  if (files.length > MAX_SHARD_FILES) problems.push(`${files.length} results files named, more than ${MAX_SHARD_FILES}`);
  return { files: files.slice(0, MAX_SHARD_FILES + 1), problems };
}

/** globPaths lists the paths a pattern matches, segment by segment, in sorted order. */
function globPaths(pattern: string): string[] {
  const absolute = path.isAbsolute(pattern);
  const segments = pattern.split(/[\\/]+/).filter((s) => s !== '');
  let found = [absolute ? path.parse(path.resolve(pattern)).root : '.'];
  for (const segment of segments) {
    const next: string[] = [];
    for (const base of found) {
      if (!isGlob(segment)) {
        next.push(path.join(base, segment));
        continue;
      }
      const re = segmentRegExp(segment);
      for (const name of listDir(base).sort()) if (re.test(name)) next.push(path.join(base, name));
      if (next.length > MAX_SHARD_FILES) break;
    }
    found = next;
  }
  return found.filter((p) => exists(p)).map((p) => (absolute ? p : path.normalize(p)));
}

function segmentRegExp(segment: string): RegExp {
  const body = segment.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  // Like a shell, a leading wildcard does not match hidden names.
  return new RegExp(`^${segment.startsWith('.') ? '' : '(?!\\.)'}${body}$`);
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function exists(p: string): boolean {
  try {
    statSync(p);
    return true;
  } catch {
    return false;
  }
}
