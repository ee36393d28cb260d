/**
 * The stand-in for the openai client (issue 14: src/targets/openai-client.ts is written beside this branch).
 * protocol-openai.ts imports createOpenAiClient from here until the real client is merged; the swap is that one
 * import line, then this file goes.
 */
import { GauntletError } from '../errors.js';
import type { ClientFactory } from './registry.js';

/** createOpenAiClient would build an openai target's client; this build has none, so it throws a configuration error. */
export const createOpenAiClient: ClientFactory = (target) => {
  throw new GauntletError('GAUNTLET_ERR_INVALID_CONFIG', `target ${target.name}: the openai client is not in this build`);
};
