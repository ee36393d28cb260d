/**
 * The stand-in for the prompt request parser (issue 14: src/scenario/parse-llm-request.ts is written beside this
 * branch). request-kinds.ts imports readLlmRequest from here until the real parser is merged; the swap is that one
 * import line, then this file goes.
 */
import type { LlmRequestSpec } from '../targets/llm-spec.js';
import type { Fields } from './fields.js';

/** readLlmRequest reads a scenario's `request:` (f) for an openai target into an LlmRequestSpec; here it only says that it cannot. */
export function readLlmRequest(f: Fields, _baseDir: string): LlmRequestSpec | undefined {
  f.problems.add(f.path, 'prompt requests (for openai targets) are not in this build');
  return undefined;
}
