/**
 * How a step's prefills share graph calls. Prompts of one call are right-padded to its longest (the mask hides the
 * padding), so a call's cost follows rows × longest prompt, not the prompts' real tokens. The rule bounds that
 * waste: prompts are taken shortest first, and a call takes the next one while its padded tokens (rows × longest)
 * stay within `maxTokens` and within PREFILL_PAD_LIMIT × its real tokens; a prompt longer than `maxTokens` runs
 * alone. The KV cache holds real tokens only, so the rule never touches the KV-cache budget.
 */

/** PREFILL_BATCH_TOKENS is the default bound on one prefill call's padded tokens (rows × longest prompt). */
export const PREFILL_BATCH_TOKENS = 2048;

/** PREFILL_PAD_LIMIT is how many times its real tokens a prefill call's padded tokens may be at most. */
export const PREFILL_PAD_LIMIT = 1.25;

/**
 * groupPrefills splits prompts of `lengths` into calls under the rule above and returns each call's indices into
 * `lengths` (shortest prompt first); `maxTokens` 0 gives every prompt a call of its own.
 */
export function groupPrefills(lengths: readonly number[], maxTokens: number): number[][] {
  const order = lengths.map((_, i) => i).sort((a, b) => (lengths[a] ?? 0) - (lengths[b] ?? 0) || a - b);
  const groups: number[][] = [];
  let group: number[] = [];
  let real = 0;
  for (const i of order) {
    const len = lengths[i] ?? 0;
    // Shortest first: the newcomer is the call's longest prompt.
    const padded = (group.length + 1) * len;
    if (group.length > 0 && (padded > maxTokens || padded > PREFILL_PAD_LIMIT * (real + len))) {
      groups.push(group);
      group = [];
      real = 0;
    }
    group.push(i);
    real += len;
  }
  if (group.length > 0) groups.push(group);
  return groups;
}
