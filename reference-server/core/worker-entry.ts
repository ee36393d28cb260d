/**
 * workerEntry returns what to pass to `new Worker()` for a sibling module: the compiled .js file, or, when
 * running from the TypeScript sources (tests, tsx), a tiny module that registers tsx's loader in the worker
 * first (worker threads do not inherit `--import tsx`).
 */
export function workerEntry(moduleUrl: string, name: string): URL {
  const fromSource = moduleUrl.endsWith('.ts');
  const target = new URL(`${name}.${fromSource ? 'ts' : 'js'}`, moduleUrl);
  if (!fromSource) return target;
  const code = `import { register } from ${JSON.stringify(import.meta.resolve('tsx/esm/api'))}; register(); await import(${JSON.stringify(target.href)});`;
  return new URL(`data:text/javascript,${encodeURIComponent(code)}`);
}
