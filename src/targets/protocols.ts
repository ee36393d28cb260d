/**
 * The protocol registry: one entry per target protocol (src/targets/protocol-*.ts), as FAULT_ACTIONS is for
 * faults. An entry owns everything that differs between protocols:
 *   - its fields (`keys`, `required`, `refuse`) and their parser (`read`), with every problem at its path;
 *   - the JSON Schema of those fields (`schema`), from which json-schema.ts builds the target schema;
 *   - how its url looks and is checked, how `headers` are checked, which field names its bearer token;
 *   - its `--dry-run` description (`describe`);
 *   - its address for network faults and the proxy (`address`, `proxied`);
 *   - its request kind (`request`: tensors, a body, prompts), which reads and checks the scenario's request;
 *   - its client factory (`client`), registered by src/targets/registry.ts.
 * The common fields (COMMON_TARGET_KEYS: name, url, timeouts, limits, headers, TLS, …) are read by parse-target.ts.
 *
 * Adding a protocol: write src/targets/protocol-<name>.ts exporting an object that `satisfies ProtocolEntry`, add
 * its name to `Protocol` (target-spec.ts; its own options, if any, as a TargetSpec field beside `http` and
 * `openai`) and its line here. The mapped type below makes the compiler name a missing entry; the tests in
 * test/src/targets/protocols.test.ts check that every entry has every part and that the schemas are regenerated
 * (`npx tsx src/scenario/write-schemas.ts`). Document its fields in docs/scenarios.md.
 */
import type { ProtocolEntry } from './protocol-entry.js';
import { HTTP } from './protocol-http.js';
import { KSERVE_GRPC } from './protocol-kserve-grpc.js';
import { KSERVE_HTTP } from './protocol-kserve-http.js';
import { OPENAI } from './protocol-openai.js';
import type { Protocol } from './target-spec.js';

/** PROTOCOL_ENTRIES is the entry of every target protocol, by name, in the order of the docs. */
export const PROTOCOL_ENTRIES: { readonly [P in Protocol]: ProtocolEntry } = {
  'kserve-http': KSERVE_HTTP,
  'kserve-grpc': KSERVE_GRPC,
  http: HTTP,
  openai: OPENAI,
};

/** PROTOCOLS lists the target protocols in the order of the docs. */
export const PROTOCOLS = Object.keys(PROTOCOL_ENTRIES) as Protocol[];

/** protocolEntry is the entry of a protocol. */
export function protocolEntry(protocol: Protocol): ProtocolEntry {
  return PROTOCOL_ENTRIES[protocol];
}

/** PROTOCOL_KEYS are the fields some protocols take and others do not, each once, in registry order. */
export const PROTOCOL_KEYS: readonly string[] = [...new Set(PROTOCOLS.flatMap((p) => PROTOCOL_ENTRIES[p].keys))];

/** protocolsTaking lists the protocols whose entry takes a field. */
export function protocolsTaking(key: string): Protocol[] {
  return PROTOCOLS.filter((p) => PROTOCOL_ENTRIES[p].keys.includes(key));
}
