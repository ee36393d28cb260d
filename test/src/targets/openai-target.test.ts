/**
 * The openai target (issue 14), added through the protocol registry: its fields with their defaults and ranges,
 * every problem with its path and line, the JSON Schema that says the same, and its --dry-run description.
 */
import { Ajv2020 as Ajv } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { GauntletError } from '../../../src/errors.js';
import { targetJsonSchema } from '../../../src/scenario/json-schema.js';
import { describePlan } from '../../../src/scenario/describe-plan.js';
import { parseScenario } from '../../../src/scenario/parse-scenario.js';
import { parseTarget } from '../../../src/scenario/parse-target.js';

const KEY = 'sk-test-3f9a-secret';
process.env['GAUNTLET_TEST_OPENAI_KEY'] = KEY;
delete process.env['GAUNTLET_TEST_UNSET_KEY'];
const BASE = 'protocol: openai\nurl: http://127.0.0.1:8000\nmodel: tiny-llm\n';

function problems(text: string): string[] {
  try {
    parseTarget(text, 't.yaml');
  } catch (err) {
    if (!(err instanceof GauntletError)) throw err;
    return err.details;
  }
  return [];
}

describe('openai target fields', () => {
  it('has defaults: chat, streamed with usage, a 10 s token gap within a 60 s whole', () => {
    expect(parseTarget(BASE, 't.yaml')).toMatchObject({
      protocol: 'openai',
      url: 'http://127.0.0.1:8000',
      model: 'tiny-llm',
      timeoutMs: 60_000,
      maxInFlight: 1024,
      connections: 0,
      openai: { endpoint: 'chat', stream: true, includeUsage: true, tokenTimeoutMs: 10_000 },
    });
  });

  it('reads every field, and keeps the API key out of the spec (only its variable is named)', () => {
    const spec = parseTarget(
      BASE +
        'endpoint: completions\nstream: true\ninclude_usage: false\nbody: {temperature: 0, top_p: 0.9, stop: ["\\n"]}\napi_key_env: GAUNTLET_TEST_OPENAI_KEY\n' +
        'headers: {X-Tenant: a}\ntimeout_ms: 120000\ntoken_timeout_ms: 2500\nmax_in_flight: 64\nconnections: 8\nmetrics_url: http://127.0.0.1:8000/metrics\ncost_per_hour: 2.5\nname: vllm\n',
      't.yaml',
    );
    expect(spec).toMatchObject({
      name: 'vllm',
      model: 'tiny-llm',
      timeoutMs: 120_000,
      maxInFlight: 64,
      connections: 8,
      headers: { 'X-Tenant': 'a' },
      bearerTokenEnv: 'GAUNTLET_TEST_OPENAI_KEY',
      metricsUrl: 'http://127.0.0.1:8000/metrics',
      costPerHour: 2.5,
      openai: { endpoint: 'completions', stream: true, includeUsage: false, body: { temperature: 0, top_p: 0.9, stop: ['\n'] }, tokenTimeoutMs: 2500 },
    });
    expect(JSON.stringify(spec)).not.toContain(KEY);
  });

  it('without a stream asks for no usage chunk; a short timeout_ms shortens the default token gap', () => {
    expect(parseTarget(BASE + 'stream: false\ntimeout_ms: 4000\n', 't.yaml')).toMatchObject({ timeoutMs: 4000, openai: { stream: false, includeUsage: false, tokenTimeoutMs: 4000 } });
    expect(parseTarget(BASE + 'stream: false\ninclude_usage: false\n', 't.yaml').openai).toMatchObject({ stream: false, includeUsage: false });
  });

  it('takes https with TLS settings like the http targets', () => {
    expect(parseTarget('protocol: openai\nurl: https://llm.example.com\nmodel: m\ntls: {server_name: llm.internal}\n', 't.yaml').tls).toEqual({ insecureSkipVerify: false, serverName: 'llm.internal' });
  });

  it.each<[string, string, string[]]>([
    ['no model', 'protocol: openai\nurl: http://h:8000\n', ['t.yaml:1: model: is required']],
    ['a url that is not http', BASE.replace('http://127.0.0.1:8000', 'grpc://h:8001'), ['t.yaml:2: url: must be a URL like http://127.0.0.1:8000, got "grpc://h:8001"']],
    ['a url with /v1', BASE.replace('http://127.0.0.1:8000', 'http://h:8000/v1'), ['t.yaml:2: url: must be the server\'s base URL without /v1 (gauntlet adds /v1/chat/completions or /v1/completions), got "http://h:8000/v1"']],
    ['a url naming the endpoint', BASE.replace('http://127.0.0.1:8000', 'http://h/v1/chat/completions'), ['t.yaml:2: url: must be the server\'s base URL without /v1 (gauntlet adds /v1/chat/completions or /v1/completions), got "http://h/v1/chat/completions"']],
    ['a url with a query', BASE.replace('http://127.0.0.1:8000', 'http://h:8000/?x=1'), ['t.yaml:2: url: must have no query or fragment, got "http://h:8000/?x=1"']],
    ['an unknown endpoint', BASE + 'endpoint: embeddings\n', ['t.yaml:4: endpoint: must be one of chat, completions, got "embeddings"']],
    ['stream not a boolean', BASE + 'stream: yes\n', ['t.yaml:4: stream: must be true or false, got "yes"']],
    ['include_usage without a stream', BASE + 'stream: false\ninclude_usage: true\n', ['t.yaml:5: include_usage: needs stream: true (a response that is not streamed always carries its usage)']],
    ['body not a mapping', BASE + 'body: "{}"\n', ['t.yaml:4: body: must be a mapping, got "{}"']],
    [
      'body fields gauntlet sets',
      BASE + 'body:\n  model: x\n  messages: []\n  prompt: p\n  stream: false\n  stream_options: {}\n  max_tokens: 5\n  temperature: 0\n',
      [
        't.yaml:5: body.model: is set by gauntlet from the target\'s model and cannot be given in body',
        't.yaml:6: body.messages: is set by gauntlet from the scenario\'s request (prompts; endpoint chat) and cannot be given in body',
        't.yaml:7: body.prompt: is set by gauntlet from the scenario\'s request (prompts; endpoint completions) and cannot be given in body',
        't.yaml:8: body.stream: is set by gauntlet from the target\'s stream and cannot be given in body',
        't.yaml:9: body.stream_options: is set by gauntlet from the target\'s include_usage and cannot be given in body',
        't.yaml:10: body.max_tokens: is set by gauntlet from the scenario\'s request (output token lengths) and cannot be given in body',
      ],
    ],
    ['a body too large', BASE + `body: {${Array.from({ length: 20 }, (_, i) => `f${i}: "${'x'.repeat(4000)}"`).join(', ')}}\n`, []],
    ['api_key_env not set', BASE + 'api_key_env: GAUNTLET_TEST_UNSET_KEY\n', ['t.yaml:4: api_key_env: the environment variable GAUNTLET_TEST_UNSET_KEY is not set or empty']],
    ['api_key_env not a name', BASE + 'api_key_env: "sk-abc"\n', ['t.yaml:4: api_key_env: must name an environment variable (letters, digits, _), got "sk-abc"']],
    ['api_key_env and an authorization header', BASE + 'api_key_env: GAUNTLET_TEST_OPENAI_KEY\nheaders: {Authorization: Bearer x}\n', ['t.yaml:4: api_key_env: and an authorization header cannot both be given']],
    ['bearer_token_env', BASE + 'bearer_token_env: GAUNTLET_TEST_OPENAI_KEY\n', ['t.yaml:4: bearer_token_env: is api_key_env for openai targets (the variable holding the API key, sent as Authorization: Bearer)']],
    ['token_timeout_ms of 0', BASE + 'token_timeout_ms: 0\n', ['t.yaml:4: token_timeout_ms: must be >= 1, got 0']],
    ['token_timeout_ms not an integer', BASE + 'token_timeout_ms: 1.5\n', ['t.yaml:4: token_timeout_ms: must be an integer, got 1.5']],
    ['token_timeout_ms past the whole', BASE + 'timeout_ms: 5000\ntoken_timeout_ms: 6000\n', ['t.yaml:5: token_timeout_ms: must be <= timeout_ms (5000, the whole stream), got 6000']],
    ['token_timeout_ms past the limit', BASE + 'token_timeout_ms: 3600001\n', ['t.yaml:4: token_timeout_ms: must be <= 3600000, got 3600001']],
    [
      'fields of other protocols',
      BASE + 'binary: true\nmodel_version: "2"\nmethod: POST\npath: /v1/chat/completions\n',
      ['t.yaml:4: binary: is only for protocol kserve-http', 't.yaml:5: model_version: is only for kserve-http and kserve-grpc targets', 't.yaml:6: method: is only for protocol http', 't.yaml:7: path: is only for protocol http'],
    ],
    ['a reserved header', BASE + 'headers: {Content-Length: "5"}\n', ['t.yaml:4: headers.Content-Length: is set by gauntlet itself and cannot be given']],
    ['tls with an http url', BASE + 'tls: {}\n', ['t.yaml:4: tls: needs an https:// url']],
    ['openai fields on a kserve target', 'protocol: kserve-http\nurl: http://h:8000\nstream: true\napi_key_env: X\n', ['t.yaml:3: stream: is only for protocol openai', 't.yaml:4: api_key_env: is only for protocol openai']],
  ])('%s', (name, text, expected) => {
    if (name === 'a body too large') expect(problems(text)).toEqual([expect.stringMatching(/^t\.yaml:4: body: is \d+ bytes as JSON; at most 65536/)]);
    else expect(problems(text)).toEqual(expected);
  });
});

describe('the openai target schema', () => {
  const validate = new Ajv({ allErrors: true, strict: true, strictTypes: false, strictRequired: false }).compile(targetJsonSchema());
  it.each<[string, boolean]>([
    [BASE, true],
    [BASE + 'endpoint: completions\nstream: false\nbody: {temperature: 0}\napi_key_env: OPENAI_API_KEY\ntoken_timeout_ms: 500\n', true],
    ['protocol: openai\nurl: http://h:8000\n', false],
    [BASE + 'endpoint: embeddings\n', false],
    [BASE + 'body: {max_tokens: 5}\n', false],
    [BASE + 'body: "text"\n', false],
    [BASE + 'binary: true\n', false],
    [BASE + 'model_version: "1"\n', false],
    [BASE + 'bearer_token_env: OPENAI_API_KEY\n', false],
    [BASE + 'token_timeout_ms: 0\n', false],
    ['protocol: http\nurl: http://h:1\npath: /\nbody: "text"\n', true],
    ['protocol: kserve-http\nurl: http://h:1\nstream: true\n', false],
  ])('row %# is valid: %2$s', (text, valid) => {
    expect(validate(parse(text))).toBe(valid);
  });
});

describe('an openai scenario', () => {
  it('needs a request (the prompts), reported with its path', () => {
    const text = `target: {${BASE.trim().split('\n').join(', ')}}\nphases:\n  - {name: a, duration: 1s, rate: 5}\n`;
    expect(() => parseScenario(text, { file: 's.yaml', baseDir: '.' })).toThrow(expect.objectContaining({ details: ['s.yaml:1: request: is required for openai targets (the prompts to send)'] }));
  });

  it('is described by --dry-run with its endpoint, streaming and token timeout', () => {
    const plan = parseScenario('request: {model: m, inputs: [{name: x, datatype: FP32, shape: [1]}]}\nphases:\n  - {name: a, duration: 1s, rate: 5}\n', { baseDir: '.' });
    const target = parseTarget(BASE + 'body: {temperature: 0}\n', 'llm.yaml');
    expect(describePlan({ ...plan, target })).toContain(
      'Target: llm (llm.yaml) · openai http://127.0.0.1:8000 · model tiny-llm · POST /v1/chat/completions streamed with usage, token timeout 10000 ms · body fields temperature · timeout 60000 ms · max in flight 1024 · connections as needed',
    );
  });
});
