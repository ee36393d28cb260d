/**
 * Writing profile.json atomically (a temporary file renamed over it) each time the profile learns something, so
 * a reader never sees half a record and an interrupted profile leaves the last complete one.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PROFILE_FILE, type ProfileRecord } from './profile-record.js';

/** writeProfile writes `record` to `<dir>/profile.json` atomically and returns the file's path. */
export function writeProfile(dir: string, record: ProfileRecord): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, PROFILE_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(record, null, 2)}\n`);
  renameSync(tmp, file);
  return file;
}
