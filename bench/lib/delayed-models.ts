/**
 * A model repository of copies of the bundled mlp (fp32), each with its own artificial delay per execution: the
 * slowed configurations the gate benches compare against the unchanged one. The bundled models must be built.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { defaultModelRepository } from '../../reference-server/models/build.js';

/** delayedMlpRepository writes `dir`/<name> for each name → delay (µs per execution) and returns `dir`. */
export function delayedMlpRepository(dir: string, delays: Record<string, number>): string {
  const bundled = defaultModelRepository();
  const base = parse(readFileSync(path.join(bundled, 'mlp', 'config.yaml'), 'utf8')) as Record<string, unknown>;
  for (const [name, delay] of Object.entries(delays)) {
    mkdirSync(path.join(dir, name, '1'), { recursive: true });
    copyFileSync(path.join(bundled, 'mlp', '1', 'model.onnx'), path.join(dir, name, '1', 'model.onnx'));
    const config: Record<string, unknown> = { ...base, name, artificial_delay_us: delay };
    delete config['accuracy'];
    writeFileSync(path.join(dir, name, 'config.yaml'), stringify(config));
  }
  return dir;
}
