/**
 * repositoryAdmissionLimit is how many inference requests one server over a model repository holds at most by
 * default: the sum of its models' admission limits (modelAdmissionLimit), read from their config.yaml without
 * loading any model. The router uses it as its default in-flight limit per replica, so it sends a replica no
 * more than the replica itself would take.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { CONFIG_YAML_LIMITS } from '../config/problems.js';
import { parseModelConfig } from '../config/validate-model-config.js';
import { modelAdmissionLimit } from './admission.js';

/** UNBOUNDED_MODEL_SHARE counts a model without a queue bound (max_queue_size 0) as this many requests. */
export const UNBOUNDED_MODEL_SHARE = 1024;

/** repositoryAdmissionLimit sums the limits of the models served from `dir` (only `models` when given); at least 1. */
export function repositoryAdmissionLimit(dir: string, models?: readonly string[]): number {
  let names: string[];
  try {
    names = readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
      .map((d) => d.name);
  } catch {
    return UNBOUNDED_MODEL_SHARE;
  }
  let total = 0;
  for (const name of names) {
    if (models && !models.includes(name)) continue;
    let text: string;
    try {
      const file = path.join(dir, name, 'config.yaml');
      if (statSync(file).size > CONFIG_YAML_LIMITS.bytes) continue; // refused when the model loads
      text = readFileSync(file, 'utf8');
    } catch {
      continue; // no config: the model is not served
    }
    const parsed = parseModelConfig(text, name);
    if (parsed.ok) total += modelAdmissionLimit(parsed.config) || UNBOUNDED_MODEL_SHARE;
  }
  return Math.max(1, total);
}
