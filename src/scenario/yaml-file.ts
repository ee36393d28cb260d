/**
 * The files users hand to gauntlet (scenario, target, sweep and trace files, model configs) are read and parsed
 * here so that no file can crash or stall the process: the size is checked before the file is read, the encoding
 * before it is parsed, and the YAML is parsed within FILE_LIMITS by reference-server/core/safe-yaml.ts (value
 * count, depth and aliases). Whatever is wrong becomes a problem with the file's line, never an exception.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { parseYamlSafely, type YamlLimits } from '../../reference-server/core/safe-yaml.js';
import { FILE_LIMITS } from './limits.js';
import { Problems } from './problems.js';

/** TextFile is a file's text, or why it cannot be used (a message without the file's name). */
export type TextFile = { ok: true; text: string } | { ok: false; message: string };

/** readTextFile reads a UTF-8 text file of at most maxBytes; folders, oversized, binary and non-UTF-8 files are refused. */
export function readTextFile(file: string, maxBytes: number): TextFile {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    return { ok: false, message: `cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)})` };
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) return { ok: false, message: 'is a folder, not a file' };
    if (stat.isFile() && stat.size > maxBytes) return { ok: false, message: tooLarge(stat.size, maxBytes) };
    // Read at most one byte past the limit: a pipe or a device (/dev/zero) has no size to check up front.
    const buf = Buffer.alloc(Math.min(maxBytes + 1, stat.isFile() ? stat.size + 1 : maxBytes + 1));
    let length = 0;
    for (;;) {
      const n = readSync(fd, buf, length, buf.length - length, null);
      if (n === 0) break;
      length += n;
      if (length > maxBytes) return { ok: false, message: tooLarge(undefined, maxBytes) };
      if (length === buf.length) break;
    }
    return decodeText(buf.subarray(0, length));
  } catch (err) {
    return { ok: false, message: `cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)})` };
  } finally {
    closeSync(fd);
  }
}

/** decodeText decodes UTF-8 bytes (a byte-order mark is dropped); binary and non-UTF-8 data are refused with their line. */
export function decodeText(bytes: Uint8Array): TextFile {
  const nul = bytes.indexOf(0);
  if (nul >= 0) return { ok: false, message: `is not a text file (line ${lineAtByte(bytes, nul)} has a NUL byte)` };
  try {
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
    return { ok: true, text };
  } catch {
    const lenient = new TextDecoder('utf-8').decode(bytes);
    const at = lenient.indexOf('\uFFFD');
    const line = at < 0 ? 1 : countLines(lenient, at);
    return { ok: false, message: `is not UTF-8 text (line ${line} has bytes that are not UTF-8)` };
  }
}

function tooLarge(size: number | undefined, maxBytes: number): string {
  return `is ${size !== undefined ? `${size} bytes` : 'larger than the limit'}; files may have at most ${maxBytes} bytes (${maxBytes / 1048576} MiB, see "Limits" in docs/scenarios.md)`;
}

function lineAtByte(bytes: Uint8Array, at: number): number {
  let line = 1;
  for (let i = 0; i < at; i++) if (bytes[i] === 10) line++;
  return line;
}

function countLines(text: string, at: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < at; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** YamlFile is a YAML text parsed to plain data, with a Problems collector that knows its lines. */
export interface YamlFile {
  /** The parsed value; undefined when the text cannot be used (the reasons are in `problems`). */
  value: unknown;
  problems: Problems;
}

/** YAML_LIMITS are FILE_LIMITS as the YAML parser takes them. */
const YAML_LIMITS: YamlLimits = { bytes: FILE_LIMITS.bytes, values: FILE_LIMITS.yamlValues, depth: FILE_LIMITS.depth, see: ' (see "Limits" in docs/scenarios.md)' };

/** parseYamlFile parses YAML text within FILE_LIMITS (reference-server/core/safe-yaml.ts); every failure is a problem with its line, never an exception. */
export function parseYamlFile(text: string, file?: string): YamlFile {
  const parsed = parseYamlSafely(text, YAML_LIMITS);
  const problems = new Problems(file, parsed.doc, parsed.lines);
  for (const p of parsed.problems) problems.addAt(p.line, p.path, p.message);
  return { value: parsed.value, problems };
}
