/**
 * The files a sharded run needs in its pods: the scenario, its target file and the data files it names, packed
 * into one ConfigMap and laid out under the mount as they lie around the scenario (so relative paths still work).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { parseDocument } from 'yaml';
import { GauntletError } from '../errors.js';

/** CONFIGMAP_MAX_BYTES is the most a ConfigMap holds (the API server refuses objects over 1 MiB). */
export const CONFIGMAP_MAX_BYTES = 1024 * 1024 - 16 * 1024;

/** BundledFile is one file of the bundle: its ConfigMap key, its path under the mount, and its bytes. */
export interface BundledFile {
  key: string;
  path: string;
  text?: string;
  base64?: string;
}

/** Bundle is the files of a run and where the scenario (and target override) lie under the mount. */
export interface Bundle {
  files: BundledFile[];
  scenarioPath: string;
  targetPath?: string;
}

/**
 * bundleFiles gathers the scenario, the `--target` file and every string of either YAML that names an existing
 * file by a relative path (target files, data, traces, prompts), with their bytes; throws when they do not fit.
 */
export function bundleFiles(scenario: string, target?: string): Bundle {
  const wanted = new Set<string>();
  const add = (file: string, walk: boolean): void => {
    const abs = resolve(file);
    if (wanted.has(abs)) return;
    wanted.add(abs);
    if (walk) for (const ref of fileRefs(abs)) add(ref, /\.ya?ml$/i.test(ref));
  };
  add(scenario, true);
  if (target !== undefined) add(target, true);
  const all = [...wanted];
  const root = commonFolder(all);
  const keys = new Set<string>();
  let bytes = 0;
  const files = all.map((abs): BundledFile => {
    const path = relative(root, abs).split(sep).join('/');
    let key = path.replace(/[^-._a-zA-Z0-9]/g, '_');
    while (keys.has(key)) key = `_${key}`;
    keys.add(key);
    const buf = readFileSync(abs);
    bytes += buf.length;
    const text = new TextDecoder('utf-8', { fatal: false }).decode(buf);
    return isText(buf, text) ? { key, path, text } : { key, path, base64: buf.toString('base64') };
  });
  if (bytes > CONFIGMAP_MAX_BYTES) {
    const list = all.map((f) => `${relative(process.cwd(), f)} (${statSync(f).size} bytes)`).join(', ');
    throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', `the scenario's files do not fit in one ConfigMap (${bytes} bytes, at most ${CONFIGMAP_MAX_BYTES}): ${list}`);
  }
  const pathOf = (file: string): string => relative(root, resolve(file)).split(sep).join('/');
  return { files, scenarioPath: pathOf(scenario), ...(target !== undefined && { targetPath: pathOf(target) }) };
}

/** fileRefs lists the strings of a YAML file that name existing files relative to its folder. */
function fileRefs(file: string): string[] {
  if (!/\.ya?ml$/i.test(file)) return [];
  const doc = parseDocument(readFileSync(file, 'utf8'));
  const found: string[] = [];
  const visit = (v: unknown): void => {
    if (typeof v === 'string') {
      // An absolute path names a file of the pod's own filesystem (a CA bundle, a mounted secret): not bundled.
      if (v.length === 0 || v.length > 1024 || v.includes('\n') || isAbsolute(v) || /^[a-z][a-z0-9+.-]*:\/\//i.test(v)) return;
      const abs = resolve(dirname(file), v);
      if (existsSync(abs) && statSync(abs).isFile()) found.push(abs);
    } else if (Array.isArray(v)) v.forEach(visit);
    else if (v !== null && typeof v === 'object') Object.values(v).forEach(visit);
  };
  visit(doc.toJS());
  return found;
}

/** commonFolder is the deepest folder holding every file. */
function commonFolder(files: string[]): string {
  let root = dirname(files[0]!);
  while (!files.every((f) => f.startsWith(root.endsWith(sep) ? root : root + sep))) root = dirname(root);
  return root;
}

/** isText says whether bytes are UTF-8 text a ConfigMap's `data` can carry (no NUL, decoded without loss). */
function isText(buf: Buffer, text: string): boolean {
  return !buf.includes(0) && Buffer.from(text, 'utf8').equals(buf);
}
