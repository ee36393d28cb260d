/**
 * The client registry: one factory per target protocol, registered by name from the protocol registry
 * (protocols.ts: each entry's `client`). `createClient` builds the client a target needs; registering a protocol
 * twice is a programming error and throws.
 */
import { GauntletError } from '../errors.js';
import type { Client } from './client.js';
import type { ErrorSample } from './failures.js';
import { PROTOCOL_ENTRIES, PROTOCOLS } from './protocols.js';
import type { RequestSpec, TargetSpec } from './target-spec.js';
import type { TraceVariant } from '../scenario/trace-replay.js';

/** ClientOptions are what a client needs besides its target and request. */
export interface ClientOptions {
  /** Seed of the random payloads (the same seed builds the same payloads). */
  seed: number;
  /** The requests trace replays send (a model and a size each), picked by index in send(pick). */
  variants?: readonly TraceVariant[];
  /** The load worker this client sends for, and the run's seed (prompt sources share one order across workers). */
  worker?: { index: number; count: number; runSeed: number };
}

/** TargetClient is a Client that also keeps the first distinct failures it saw. */
export interface TargetClient extends Client {
  /** errorSamples lists the first few distinct (code, message) failures, oldest first. */
  errorSamples(): ErrorSample[];
}

/** ClientFactory builds a client; it throws GAUNTLET_ERR_INVALID_CONFIG for a target or request it cannot send. */
export type ClientFactory = (target: TargetSpec, request: RequestSpec, opts: ClientOptions) => TargetClient;

const factories = new Map<string, ClientFactory>();

/** registerClient registers the factory of a protocol; a protocol can be registered only once. */
export function registerClient(protocol: string, factory: ClientFactory): void {
  if (factories.has(protocol)) throw new GauntletError('GAUNTLET_ERR_INTERNAL', `a client for protocol '${protocol}' is already registered`);
  factories.set(protocol, factory);
}

/** registeredProtocols lists the protocols with a client, in registration order. */
export function registeredProtocols(): string[] {
  return [...factories.keys()];
}

/** createClient builds the client of the target's protocol. */
export function createClient(target: TargetSpec, request: RequestSpec, opts: ClientOptions): TargetClient {
  const factory = factories.get(target.protocol);
  if (factory === undefined) {
    throw new GauntletError('GAUNTLET_ERR_INVALID_CONFIG', `protocol: no client for '${target.protocol}' (known: ${registeredProtocols().join(', ')})`);
  }
  return factory(target, request, opts);
}

for (const protocol of PROTOCOLS) registerClient(protocol, PROTOCOL_ENTRIES[protocol].client);
