/**
 * What a model load may reuse: a version served before whose model file and configuration (all but the version
 * policy, which chooses versions and does not shape a session) are unchanged keeps its instances, so that loading
 * v2 beside v1, or narrowing the policy, starts sessions for new or changed versions only.
 */
import { stat } from 'node:fs/promises';
import type { ModelConfig } from '../config/model-config.js';

/** fileFingerprint is what tells a model file apart from the one loaded before: its inode, size and modification time. */
export async function fileFingerprint(file: string): Promise<string> {
  const s = await stat(file, { bigint: true });
  return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}`;
}

/** sessionConfigKey is a model configuration without its version policy, with keys in a stable order. */
export function sessionConfigKey(config: ModelConfig): string {
  const { version_policy: _policy, ...rest } = config;
  return stableJson(rest);
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
