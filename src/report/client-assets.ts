/**
 * The scripts and styles inlined into every HTML report, so it opens offline: uPlot (its minified browser build
 * and stylesheet, from node_modules) and the report's own client scripts (src/report/assets/report-labels.js and
 * report-client.js, shipped as files and read at run time, from the TypeScript sources and from dist/ alike).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** ClientAssets are the texts a report inlines. */
export interface ClientAssets {
  uplotJs: string;
  uplotCss: string;
  clientJs: string;
}

let cached: ClientAssets | undefined;

/** packageRoot is the folder of gauntlet's package.json (above this module, in src/ or dist/src/). */
export function packageRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'src', 'report', 'assets'))) return dir;
    if (dirname(dir) === dir) throw new Error('cannot find gauntlet\'s package folder (src/report/assets) above this module');
  }
}

/** clientAssets reads (once) what the report inlines. */
export function clientAssets(): ClientAssets {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const uplotJs = readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8');
  const uplotCss = readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8');
  // The label placement first: the client script uses it (window.gauntletLabels).
  const assets = join(packageRoot(), 'src', 'report', 'assets');
  const clientJs = ['report-labels.js', 'report-client.js'].map((f) => readFileSync(join(assets, f), 'utf8')).join('\n');
  cached = { uplotJs, uplotCss, clientJs };
  return cached;
}

/** scriptText makes a script's text safe inside <script>…</script> (no early end tag, no comment opener). */
export function scriptText(js: string): string {
  return js.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

/** jsonScript embeds data as JSON inside <script type="application/json"> without letting it close the tag. */
export function jsonScript(data: unknown): string {
  return JSON.stringify(data).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}
