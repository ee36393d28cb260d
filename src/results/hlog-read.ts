/**
 * Reading latency.hlog back, to rebuild the histograms of a run whose results.json was left running: snapshots
 * written while the run goes carry no histograms (encoding them every second costs too much), but the .hlog has
 * one line per finished (second, phase), tagged with the phase's name. HDR histograms merge exactly, so a phase's
 * histogram rebuilt from its seconds is the one the run would have written for those seconds.
 */
import { readFileSync, statSync } from 'node:fs';
import { decodeHistogram, encodeHistogram, newHistogram } from '../metrics/hdr.js';
import type { ResultsFile } from './results-schema.js';

/** HLOG_READ_LIMIT_BYTES: a longer .hlog is not read (an hour of one phase is about 5 MB). */
export const HLOG_READ_LIMIT_BYTES = 256 * 1024 * 1024;
/** The latest second a line may name (about 115 days): later ones are not believed. */
const MAX_SECOND = 10_000_000;
/** One interval line: optional Tag=, start (s), length (s), max, compressed base64 histogram. */
const LINE = /^(?:Tag=([^,]*),)?(\d+(?:\.\d+)?),(\d+(?:\.\d+)?),(\d+(?:\.\d+)?),([A-Za-z0-9+/]+={0,2})$/;

/** HlogLine is one interval of the log: its second from the run's start, its tag and its encoded histogram. */
export interface HlogLine {
  second: number;
  tag: string;
  encoded: string;
}

/** readHlogLines reads the interval lines of a .hlog; lines it cannot read are counted in `problem`. */
export function readHlogLines(file: string): { lines: HlogLine[]; problem?: string } {
  let text: string;
  try {
    const size = statSync(file).size;
    if (size > HLOG_READ_LIMIT_BYTES) return { lines: [], problem: `${file} is ${size} bytes, over the ${HLOG_READ_LIMIT_BYTES}-byte limit for rebuilding histograms` };
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return { lines: [], problem: `cannot read ${file}: ${(err as Error).message}` };
  }
  const raw = text.split('\n');
  // A writer still appending may have left half a line at the end: not a problem.
  if (!text.endsWith('\n')) raw.pop();
  const lines: HlogLine[] = [];
  let bad = 0;
  for (const l of raw) {
    const line = l.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('"')) continue;
    const m = LINE.exec(line);
    const second = m ? Math.round(Number(m[2])) : NaN;
    if (!m || !(second >= 0 && second <= MAX_SECOND)) {
      bad++;
      continue;
    }
    lines.push({ second, tag: m[1] ?? '', encoded: m[5]! });
  }
  return bad ? { lines, problem: `${bad} line(s) of ${file} could not be read` } : { lines };
}

/** phaseTag is the Tag a phase's lines carry (ResultsWriter.appendInterval). */
export function phaseTag(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]/g, '_');
}

/**
 * phaseOfLine is the index of the phase a latency line belongs to (-1: none): a tag that fits several phases (names
 * that differ only in characters a tag cannot hold) goes to the latest of them that had started by its second.
 */
export function phaseOfLine(phases: readonly { name: string; startS: number }[], line: Pick<HlogLine, 'tag' | 'second'>): number {
  let index = -1;
  phases.forEach((p, i) => {
    if (phaseTag(p.name) === line.tag && (index < 0 || Math.floor(p.startS) <= line.second)) index = i;
  });
  return index;
}

/**
 * rebuildHistograms fills the empty phase and interval histograms of `r` from the log's lines, and returns how
 * many lines it used and the last second they cover. A line whose tag fits several phases (names that differ
 * only in characters a tag cannot hold) goes to the latest of them that had started by its second.
 */
export function rebuildHistograms(r: ResultsFile, lines: HlogLine[]): { lines: number; lastSecond: number | null; problem?: string } {
  const merged = r.phases.map(() => newHistogram());
  const rows = new Map(r.intervals.map((row) => [`${row.t}|${row.phase}`, row]));
  let used = 0;
  let bad = 0;
  let lastSecond: number | null = null;
  for (const line of lines) {
    const index = phaseOfLine(r.phases, line);
    const phase = r.phases[index];
    if (!phase) continue;
    try {
      merged[index]!.add(decodeHistogram(line.encoded));
    } catch {
      bad++;
      continue;
    }
    used++;
    lastSecond = lastSecond === null || line.second > lastSecond ? line.second : lastSecond;
    const row = rows.get(`${line.second}|${phase.name}`);
    if (row && !row.histogram) row.histogram = line.encoded;
  }
  r.phases.forEach((p, i) => {
    if (!p.histogram && merged[i]!.totalCount > 0) p.histogram = encodeHistogram(merged[i]!);
  });
  bad += rebuildTokenHistograms(r, lines);
  return bad ? { lines: used, lastSecond, problem: `${bad} histogram(s) in the log could not be decoded` } : { lines: used, lastSecond };
}

/**
 * rebuildTokenHistograms fills the empty token histograms of phases with a tokens block from the log's token lines
 * (tagged `<phase tag>:<name>`, ResultsWriter.appendTokenIntervals); returns how many could not be decoded.
 */
function rebuildTokenHistograms(r: ResultsFile, lines: HlogLine[]): number {
  let bad = 0;
  for (const p of r.phases) {
    const t = p.tokens;
    if (!t || typeof t.histograms !== 'object' || t.histograms === null) continue;
    const prefix = `${phaseTag(p.name)}:`;
    const merged = new Map<string, ReturnType<typeof newHistogram>>();
    for (const line of lines) {
      if (!line.tag.startsWith(prefix) || line.second < Math.floor(p.startS)) continue;
      const name = line.tag.slice(prefix.length);
      if (!(name in t.histograms) || t.histograms[name as keyof typeof t.histograms]) continue;
      try {
        const h = merged.get(name) ?? newHistogram();
        h.add(decodeHistogram(line.encoded));
        merged.set(name, h);
      } catch {
        bad++;
      }
    }
    for (const [name, h] of merged) t.histograms[name as keyof typeof t.histograms] = encodeHistogram(h);
  }
  return bad;
}
