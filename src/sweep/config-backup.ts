/**
 * ConfigBackup keeps the user's config file as it was before an external sweep wrote the first combination into
 * it, and puts it back when the sweep ends, is interrupted, or the process exits any other way that runs exit
 * handlers (a second Ctrl-C, a crash). A copy is also written into the sweep's folder first, so even a SIGKILL
 * leaves the original where the user can find it (sweep.json names it). Every write of the config file is atomic
 * (a temporary file in the same folder, renamed over it, with the original's permissions).
 */
import { chmodSync, copyFileSync, mkdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { onProcessExit } from '../util/on-exit.js';

/** RestoreRecord says what became of the user's config file (sweep.json, sweep.external.restore). */
export interface RestoreRecord {
  /** pending: the sweep has not ended; restored: the original is back; removed: there was none, the rendered one was removed; failed: see error. */
  state: 'pending' | 'restored' | 'removed' | 'failed';
  /** The copy of the original in the sweep's folder (relative to it), when there was one. */
  backup?: string;
  /** When it was restored. */
  at?: string;
  /** Why restoring failed (the backup is still there). */
  error?: string;
  /** The load call that made the server serve the original again (reload_model sweeps). */
  reload?: string;
}

/** ConfigBackup is the saved original of one config file. */
export class ConfigBackup {
  private done = false;
  private readonly forget: () => void;

  private constructor(
    readonly file: string,
    /** The file written: `file` with symbolic links resolved (a link is written through, never replaced). */
    private readonly real: string,
    private readonly original: Buffer | undefined,
    private readonly mode: number,
    readonly record: RestoreRecord,
    onExitRestore: () => void,
  ) {
    this.forget = onProcessExit(() => {
      this.restore();
      onExitRestore();
    });
  }

  /**
   * take saves `file` (absent is fine: restoring then removes it) and copies it to `<sweepDir>/original-<name>`;
   * `onExitRestore` runs after a restore at process exit (to record it).
   */
  static take(file: string, sweepDir: string, onExitRestore: () => void = () => {}): ConfigBackup {
    let original: Buffer | undefined;
    let mode = 0o644;
    let real = file;
    try {
      original = readFileSync(file);
      real = realpathSync(file);
      mode = statSync(file).mode & 0o7777;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const record: RestoreRecord = { state: 'pending' };
    if (original !== undefined) {
      mkdirSync(sweepDir, { recursive: true });
      const copy = `original-${path.basename(file)}`;
      copyFileSync(file, path.join(sweepDir, copy));
      record.backup = copy;
    }
    return new ConfigBackup(file, real, original, mode, record, onExitRestore);
  }

  /** write replaces the config file atomically with `text`. */
  write(text: string | Buffer): void {
    const tmp = path.join(path.dirname(this.real), `.${path.basename(this.real)}.gauntlet-${process.pid}.tmp`);
    try {
      writeFileSync(tmp, text, { mode: this.mode });
      chmodSync(tmp, this.mode);
      renameSync(tmp, this.real);
    } catch (err) {
      rmSync(tmp, { force: true });
      throw err;
    }
  }

  /** restore puts the original back (or removes the rendered file when there was none); once; never throws. */
  restore(): RestoreRecord {
    if (this.done) return this.record;
    this.done = true;
    this.forget();
    try {
      if (this.original !== undefined) {
        this.write(this.original);
        this.record.state = 'restored';
      } else {
        rmSync(this.real, { force: true });
        this.record.state = 'removed';
      }
      this.record.at = new Date().toISOString();
    } catch (err) {
      this.record.state = 'failed';
      this.record.error = `${(err as Error).message}${this.record.backup ? ` (the original is in ${this.record.backup})` : ''}`;
    }
    return this.record;
  }
}
