/**
 * JSONL prompt datasets: one prompt or conversation a line, in any of three shapes (mixed freely):
 * - `{"prompt": "text"}`;
 * - OpenAI chat: `{"messages": [{"role": "system"|"user"|"assistant", "content": "text"}, …]}`;
 * - ShareGPT: `{"conversations": [{"from": "human"|"gpt"|"system", "value": "text"}, …]}`.
 * A conversation's prompt is its messages up to its last user (human) turn; the answers after it are dropped.
 * Other fields of a line (`id`, …) are ignored; blank lines are skipped. Every broken line is a problem with its
 * line number, and a file with any is refused (a benchmark that silently drops prompts measures another
 * workload). The parsed file is kept per thread, keyed by its path, size and modification time.
 */
import { statSync } from 'node:fs';
import { show } from '../scenario/fields.js';
import { LLM_LIMITS } from '../scenario/limits.js';
import { isMapping } from '../scenario/problems.js';
import { readTextFile } from '../scenario/yaml-file.js';
import type { ChatMessage } from '../targets/llm-spec.js';

/** CHAT_ROLES are the roles of `messages`. */
export const CHAT_ROLES = ['system', 'user', 'assistant'] as const;
/** SHAREGPT_ROLES maps ShareGPT's `from` values to chat roles (its exports name assistants gpt, chatgpt, bard or bing). */
export const SHAREGPT_ROLES: Readonly<Record<string, ChatMessage['role']>> = { human: 'user', user: 'user', gpt: 'assistant', chatgpt: 'assistant', bard: 'assistant', bing: 'assistant', assistant: 'assistant', system: 'system' };

/** Dataset is a parsed dataset: each conversation's prompt part, in the file's order, or the problems of its lines. */
export type Dataset = { ok: true; conversations: ChatMessage[][] } | { ok: false; problems: string[] };

/** parseDataset reads JSONL text into conversations, or lists every broken line (`line 7: …`; at most LLM_LIMITS.listedLineProblems, then a count). */
export function parseDataset(text: string): Dataset {
  // ShareGPT is distributed as one JSON array; a JSONL line never starts with `[` (each is an object).
  if (/^\s*\[/.test(text.slice(0, 1024))) {
    return { ok: false, problems: ['is one JSON array, not JSONL (one object a line): convert it with jq -c \'.[]\' file.json > file.jsonl'] };
  }
  const conversations: ChatMessage[][] = [];
  const problems: string[] = [];
  let bad = 0;
  let lines = 0;
  // Line by line without splitting the whole text.
  for (let n = 1, start = 0; start <= text.length; n++) {
    const nl = text.indexOf('\n', start);
    const end = nl < 0 ? text.length : nl;
    const line = text.slice(start, end).trim();
    start = end + 1;
    if (line === '') continue;
    if (++lines > LLM_LIMITS.datasetLines) return { ok: false, problems: [`has more than ${LLM_LIMITS.datasetLines} prompts (non-blank lines); at most ${LLM_LIMITS.datasetLines}`] };
    const read = readLine(line);
    if (typeof read === 'string') {
      if (++bad <= LLM_LIMITS.listedLineProblems) problems.push(`line ${n}: ${read}`);
    } else conversations.push(read);
  }
  if (bad > LLM_LIMITS.listedLineProblems) problems.push(`… and ${bad - LLM_LIMITS.listedLineProblems} more broken lines`);
  if (bad > 0) return { ok: false, problems };
  if (conversations.length === 0) return { ok: false, problems: ['has no prompts (one JSON object a line)'] };
  return { ok: true, conversations };
}

/** readLine returns one line's prompt part, or what is wrong with it. */
function readLine(line: string): ChatMessage[] | string {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch (err) {
    return `is not JSON: ${(err as Error).message}`;
  }
  if (!isMapping(v)) return `must be a JSON object with "prompt", "messages" or "conversations", got ${show(v)}`;
  const kinds = (['prompt', 'messages', 'conversations'] as const).filter((k) => v[k] !== undefined);
  if (kinds.length === 0) return 'has no prompt: needs "prompt", "messages" or "conversations"';
  if (kinds.length > 1) return `has ${kinds.map((k) => `"${k}"`).join(' and ')}; give one`;
  if (kinds[0] === 'prompt') return typeof v.prompt === 'string' && v.prompt !== '' ? [{ role: 'user', content: v.prompt }] : `prompt: must be a non-empty string, got ${show(v.prompt)}`;
  if (kinds[0] === 'messages') return readTurns(v.messages, 'messages', 'role', 'content', (r) => ((CHAT_ROLES as readonly unknown[]).includes(r) ? (r as ChatMessage['role']) : undefined), CHAT_ROLES.join(', '), 'user');
  return readTurns(v.conversations, 'conversations', 'from', 'value', (r) => (typeof r === 'string' && Object.hasOwn(SHAREGPT_ROLES, r) ? SHAREGPT_ROLES[r] : undefined), Object.keys(SHAREGPT_ROLES).join(', '), 'human');
}

/** readTurns reads a list of turns up to its last user turn. */
function readTurns(
  list: unknown,
  key: string,
  roleKey: string,
  textKey: string,
  roleOf: (r: unknown) => ChatMessage['role'] | undefined,
  roles: string,
  userName: string,
): ChatMessage[] | string {
  if (!Array.isArray(list)) return `${key}: must be a list of turns, got ${show(list)}`;
  if (list.length === 0) return `${key}: is an empty conversation`;
  if (list.length > LLM_LIMITS.messages) return `${key}: has ${list.length} turns; at most ${LLM_LIMITS.messages}`;
  const out: ChatMessage[] = [];
  let lastUser = -1;
  for (let i = 0; i < list.length; i++) {
    const turn: unknown = list[i];
    if (!isMapping(turn)) return `${key}[${i}]: must be an object with "${roleKey}" and "${textKey}", got ${show(turn)}`;
    const role = roleOf(turn[roleKey]);
    if (role === undefined) return `${key}[${i}].${roleKey}: must be one of ${roles}, got ${show(turn[roleKey])}`;
    const text = turn[textKey];
    if (typeof text !== 'string') return `${key}[${i}].${textKey}: must be a string, got ${show(text)}`;
    if (role === 'user') {
      if (text === '') return `${key}[${i}].${textKey}: is empty`;
      lastUser = i;
    }
    out.push({ role, content: text });
  }
  if (lastUser < 0) return `${key}: has no ${userName} turn to answer`;
  return out.slice(0, lastUser + 1);
}

const cache = new Map<string, { key: string; dataset: Dataset }>();

/** loadDataset reads and parses a dataset file within LLM_LIMITS.datasetBytes, once per thread while the file is unchanged. */
export function loadDataset(file: string): Dataset {
  let key: string;
  try {
    const st = statSync(file);
    key = `${st.size}:${st.mtimeMs}`;
  } catch {
    key = '';
  }
  const hit = cache.get(file);
  if (hit && key !== '' && hit.key === key) return hit.dataset;
  const read = readTextFile(file, LLM_LIMITS.datasetBytes);
  const dataset: Dataset = read.ok ? parseDataset(read.text) : { ok: false, problems: [read.message] };
  if (key !== '') cache.set(file, { key, dataset });
  return dataset;
}

/** promptText is a conversation as one text for the completions endpoint: its contents joined by a blank line. */
export function promptText(messages: readonly ChatMessage[]): string {
  return messages.length === 1 ? messages[0]!.content : messages.map((m) => m.content).join('\n\n');
}
