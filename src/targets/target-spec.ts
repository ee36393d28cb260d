/**
 * TargetSpec and RequestSpec: where requests go and what they carry, after validation. A client is made from
 * both (see client.ts) and sends that request again and again.
 */
import type { LlmRequestSpec, OpenAiOptions } from './llm-spec.js';

/** Protocol names a target protocol; each has an entry in PROTOCOL_ENTRIES (protocols.ts). */
export type Protocol = 'kserve-http' | 'kserve-grpc' | 'http' | 'openai';

/** TargetSpec is a validated target file. */
export interface TargetSpec {
  name: string;
  protocol: Protocol;
  /** Base URL: http(s)://host:port for kserve-http, http and openai; host:port (or grpc(s)://host:port) for kserve-grpc. */
  url: string;
  /** kserve-*: the model to infer on (the scenario's request.model overrides it); openai: the model name sent. */
  model?: string;
  modelVersion?: string;
  /** kserve-http: use the binary tensor data extension for inputs and outputs. */
  binary: boolean;
  /** A request not answered within this time is recorded as TIMEOUT. */
  timeoutMs: number;
  /** Most requests outstanding at once; a request due when this many are outstanding is DROPPED, not delayed. */
  maxInFlight: number;
  /** Keep-alive connections to open (HTTP); 0 = as many as needed up to maxInFlight. */
  connections: number;
  /** kserve-*, openai: headers (gRPC: metadata) added to every request; an http target's headers are in `http`. */
  headers?: Record<string, string>;
  /** The environment variable holding a bearer token (openai: api_key_env), sent as `Authorization: Bearer …` (read when the client is made). */
  bearerTokenEnv?: string;
  /** TLS (https://, grpcs://, or a kserve-grpc target with a `tls` mapping): absolute paths of its files. */
  tls?: { caFile?: string; certFile?: string; keyFile?: string; serverName?: string; insecureSkipVerify: boolean };
  /** http: the request to send. */
  http?: { method: string; path: string; headers: Record<string, string>; body?: string };
  /** openai: the endpoint, streaming and body options. */
  openai?: OpenAiOptions;
  /** Prometheus endpoint of the target, scraped every second during a run (optional). */
  metricsUrl?: string;
  /** Price of the target per hour, for cost per million inferences in reports (optional). */
  costPerHour?: number;
  /** The file the spec came from, when it came from one. */
  file?: string;
}

/** InputData says how a request input is filled: generated from the seed, constant, or given values. */
export type InputData = { kind: 'random' } | { kind: 'zeros' } | { kind: 'ones' } | { kind: 'values'; values: (number | string | boolean)[] };

/** InputSpec is one request input. */
export interface InputSpec {
  name: string;
  datatype: string;
  shape: number[];
  data: InputData;
}

/**
 * RequestSpec is the request a scenario sends, validated. Its kind follows the target (request-kinds.ts): kserve-*
 * targets send tensors (inputs, or a mix), an http target its own body, an openai target prompts (`llm`).
 */
export interface RequestSpec {
  model?: string;
  modelVersion?: string;
  inputs: InputSpec[];
  /** Outputs to ask for (default: all). */
  outputs?: string[];
  parameters?: Record<string, string | number | boolean>;
  /** Distinct random payloads to cycle through (random data only). */
  payloads: number;
  /** Checks on every response (the defaults of the mix's templates); absent: only the status (any 2xx is OK). */
  expect?: ResponseExpect;
  /** Weighted request templates (request.mix, request.input_data, request.expect); absent: the one request above. */
  mix?: RequestTemplate[];
  /** openai targets: the prompts to send (inputs is then empty). */
  llm?: LlmRequestSpec;
}

/** ExpectedTensor is an output a response must carry: its datatype and shape when given, its values within the tolerance when given. */
export interface ExpectedTensor {
  name: string;
  datatype?: string;
  /** -1 matches any size of that dimension. */
  shape?: number[];
  values?: (number | string | boolean)[];
}

/** Tolerance is how far a checked value may be from the expected one: |got − want| ≤ absolute + relative × |want| (as numpy.isclose). */
export interface Tolerance {
  absolute: number;
  relative: number;
}

/** ResponseExpect is what a response must be for its request to count as OK; anything else is BAD_OUTPUT. */
export interface ResponseExpect {
  /** Accepted HTTP statuses (kserve-http, http); a status listed here is OK even when it is not 2xx. */
  status?: number[];
  /** Outputs every response must carry (datatype and shape when given). */
  outputs: ExpectedTensor[];
  tolerance: Tolerance;
}

/** RequestSample is one concrete request of a template: its inputs (with values) and the outputs expected for it. */
export interface RequestSample {
  inputs: InputSpec[];
  /** Expected outputs of this sample (from validation data); absent: only the template's checks. */
  expected?: ExpectedTensor[];
}

/** RequestTemplate is one weighted kind of request of a mix: its model, its inputs (or samples from a data file) and its checks. */
export interface RequestTemplate {
  name: string;
  /** Relative share of the requests sent (any positive number). */
  weight: number;
  model?: string;
  modelVersion?: string;
  /** The inputs as declared (random, zeros, ones or given data); unused when samples are given. */
  inputs: InputSpec[];
  outputs?: string[];
  parameters?: Record<string, string | number | boolean>;
  /** Concrete requests from a data file, sent in turn; absent: the inputs above (random data cycles `payloads`). */
  samples?: RequestSample[];
  /** The data file the samples came from (input_data). */
  inputDataFile?: string;
  /** In results.json, where samples are left out: how many there were. */
  sampleCount?: number;
  expect?: ResponseExpect;
}

/**
 * AUTO_CONNECTIONS caps the HTTP/1.1 connections opened when a target leaves `connections` at 0: a send that
 * finds them all busy waits for one (its latency, counted from the intended send time, includes the wait).
 * It keeps the open sockets well under the usual limit of 1024 files per process.
 */
export const AUTO_CONNECTIONS = 512;

/** connectionLimit is how many HTTP/1.1 connections a client may open to the target. */
export function connectionLimit(target: TargetSpec): number {
  return target.connections > 0 ? target.connections : Math.min(target.maxInFlight, AUTO_CONNECTIONS);
}
