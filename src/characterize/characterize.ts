/**
 * characterizeLogs: the whole of `gauntlet characterize` but the command line. Logs are read in one pass
 * (read-logs.ts) into the analysis (analyze.ts), whose ordered tap writes trace.csv as it goes; then
 * characterization.json, scenario.yaml, replay.yaml, report.html and report.md are written to the output folder.
 * An interrupt stops the reading: what was read is characterized, and the files say the run was interrupted.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type CharacterizeOptions, Characterizer } from './analyze.js';
import type { Characterization } from './characterization.js';
import { readLogs, type ReadOptions, type ReadResult } from './read-logs.js';
import { replayYaml, scenarioYaml, type ScenarioRequest } from './write-scenario.js';
import { TraceWriter } from './write-trace.js';
import { writeCharacterizationReport } from '../report/characterize-write.js';
import { packageVersion } from '../util/package-version.js';

/** CHARACTERIZATION_FILE and the other files a characterization writes to its folder. */
export const CHARACTERIZE_FILES = { json: 'characterization.json', scenario: 'scenario.yaml', replay: 'replay.yaml', trace: 'trace.csv' } as const;

/** CharacterizeRun is what characterizeLogs needs beyond the logs. */
export interface CharacterizeRun {
  read: ReadOptions;
  analyze: CharacterizeOptions;
  scenario: { request: ScenarioRequest; phaseS: number; seed: number };
  outDir: string;
  signal?: AbortSignal;
}

/** CharacterizeOutput is the characterization and the paths written. */
export interface CharacterizeOutput {
  characterization: Characterization;
  interrupted: boolean;
  files: { json: string; scenario: string; replay: string; trace: string; html: string; md: string };
  read: ReadResult;
}

/** writeAtomic writes a file through a temporary name, so a reader never sees half of it. */
function writeAtomic(file: string, text: string): void {
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}

/** characterizeLogs reads the logs, characterizes them and writes every output file. */
export async function characterizeLogs(inputs: string[], run: CharacterizeRun): Promise<CharacterizeOutput> {
  const file = (name: string): string => path.join(run.outDir, name);
  mkdirSync(run.outDir, { recursive: true });
  const trace = new TraceWriter(file(CHARACTERIZE_FILES.trace));
  let result: ReadResult;
  let c: Characterization;
  try {
    const characterizer = new Characterizer({ ...run.analyze, onOrdered: (t, r) => trace.add(t, r) });
    result = await readLogs(inputs, { ...run.read, ...(run.signal && { signal: run.signal }) }, (r) => characterizer.add(r));
    const interrupted = result.interrupted;
    c = characterizer.finish({
      gauntletVersion: packageVersion(),
      files: result.files,
      lines: result.lines,
      malformedCount: result.malformed,
      malformedFirst: result.firstMalformed,
      maxMalformedFraction: run.read.maxMalformedFraction ?? 0.05,
      arrivalTime: result.arrivalTime,
      notes: [...(interrupted ? [`interrupted after ${result.lines} lines: this characterizes what was read up to then`] : []), ...result.warnings],
    });
    // Said near the top of the file, where a reader looks first.
    if (interrupted) {
      const { version, gauntletVersion, ...rest } = c;
      c = { version, gauntletVersion, interrupted: true, ...rest };
    }
  } finally {
    trace.close();
  }
  if (trace.clamped > 0) c.inputs.notes.push(`${trace.clamped} request(s) came more than the reorder slack out of order, before the trace's first line: trace.csv has them at 0 s`);
  const sources = result.files.map((f) => path.basename(f.name));
  const o = { ...run.scenario, sources };
  writeAtomic(file(CHARACTERIZE_FILES.json), `${JSON.stringify(c, null, 2)}\n`);
  writeAtomic(file(CHARACTERIZE_FILES.scenario), scenarioYaml(c, o));
  writeAtomic(file(CHARACTERIZE_FILES.replay), replayYaml(c, o));
  const reports = writeCharacterizationReport(c, run.outDir);
  return {
    characterization: c,
    interrupted: c.interrupted === true,
    read: result,
    files: { json: file(CHARACTERIZE_FILES.json), scenario: file(CHARACTERIZE_FILES.scenario), replay: file(CHARACTERIZE_FILES.replay), trace: trace.file, ...reports },
  };
}
