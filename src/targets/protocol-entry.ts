/**
 * ProtocolEntry: everything gauntlet knows about one target protocol, in one object (see protocols.ts for the
 * registry and for how to add a protocol). Shared helpers for the entries of URL-addressed protocols live here too.
 */
import type { Fields } from '../scenario/fields.js';
import type { JsonSchema } from '../scenario/schema-parts.js';
import type { RequestKind } from '../scenario/request-kinds.js';
import type { HeaderKind } from '../scenario/target-fields.js';
import type { ClientFactory } from './registry.js';
import type { TargetSpec } from './target-spec.js';

/** TargetAddress is the host and port a target's url points at (what the network-fault proxy forwards to). */
export interface TargetAddress {
  host: string;
  port: number;
}

/** ProtocolFields are the parts of a TargetSpec an entry's parser fills from the fields only it takes. */
export type ProtocolFields = Partial<Pick<TargetSpec, 'model' | 'modelVersion' | 'binary' | 'headers' | 'http' | 'openai'>>;

/** TargetReadContext is what an entry's parser is given besides its fields: the target's headers, already checked. */
export interface TargetReadContext {
  headers: Record<string, string> | undefined;
  /** timeout_ms as read (undefined: absent or wrong), for fields bounded by it. */
  timeoutMs: number | undefined;
}

/** ProtocolEntry is one target protocol (K: its own fields): its fields, schema, description, address, request kind and client. */
export interface ProtocolEntry<K extends string = string> {
  /** summary says what the protocol talks to, for the schema and --help: `KServe v2 over HTTP`. */
  readonly summary: string;
  /** keys are the fields this protocol takes beyond the common ones (COMMON_TARGET_KEYS), in the docs' order. */
  readonly keys: readonly K[];
  /** required are the fields of `keys` a target must give. */
  readonly required: readonly K[];
  /** refuse explains fields it does not take where "is only for …" would not say enough (field → message). */
  readonly refuse?: Readonly<Record<string, string>>;
  /** defaultTimeoutMs replaces the common timeout_ms default. */
  readonly defaultTimeoutMs?: number;
  readonly url: {
    /** What the url looks like, for the schema: `http(s)://host:port`. */
    readonly description: string;
    /** check says what is wrong with a url (undefined: fine). */
    check(url: string): string | undefined;
    /** A `tls` mapping alone turns TLS on (no https:// or grpcs:// needed): kserve-grpc. */
    readonly tlsWithoutSecureUrl?: boolean;
  };
  /** headers says how `headers` are checked: HTTP header fields or gRPC metadata. */
  readonly headers: HeaderKind;
  /** tokenEnvKey is the field naming the environment variable of its bearer token. */
  readonly tokenEnvKey: 'bearer_token_env' | 'api_key_env';
  /** read validates the fields of `keys` (problems with their paths) into its part of the spec. */
  read(f: Fields, ctx: TargetReadContext): ProtocolFields;
  /** schema is the JSON Schema of each field of `keys` (a function: schemas are built when asked for). */
  schema(): Record<K, JsonSchema>;
  /** describe renders what only this protocol has, for --dry-run: the wire format after the url, then details. */
  describe(t: Pick<TargetSpec, 'binary'> & Partial<TargetSpec>): { wire: string; details: string[] };
  /** address is where the target's url points (network faults put a proxy in front of it). */
  address(t: TargetSpec): TargetAddress;
  /** proxied is the target's url pointed at a proxy listening at `at` (127.0.0.1:port), scheme and path kept. */
  proxied(t: TargetSpec, at: string): string;
  /** request is the kind of scenario request this protocol sends. */
  readonly request: RequestKind;
  /** client builds the protocol's client (registered in src/targets/registry.ts). */
  readonly client: ClientFactory;
}

/** defineProtocol types an entry, checking that its schema covers exactly its fields. */
export function defineProtocol<const K extends string>(entry: ProtocolEntry<K>): ProtocolEntry<K> {
  return entry;
}

/** urlAddress is the address of an http(s):// url (port 80 or 443 when it names none). */
export function urlAddress(t: TargetSpec): TargetAddress {
  const u = new URL(t.url);
  return { host: u.hostname.replace(/^\[(.*)\]$/, '$1'), port: u.port !== '' ? Number(u.port) : u.protocol === 'https:' ? 443 : 80 };
}

/** urlProxied is an http(s):// url pointed at the proxy (scheme and path prefix kept). */
export function urlProxied(t: TargetSpec, at: string): string {
  return t.url.replace(/^(https?):\/\/[^/]+/i, (_, scheme: string) => `${scheme.toLowerCase()}://${at}`);
}

/** targetHeaders is the spec's `headers` of a protocol that sends them with every request (none when empty). */
export function targetHeaders(ctx: TargetReadContext): ProtocolFields {
  return ctx.headers !== undefined && Object.keys(ctx.headers).length > 0 ? { headers: ctx.headers } : {};
}
