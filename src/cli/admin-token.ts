/**
 * Where `gauntlet serve --replicas N` takes its admin token from, and how it keeps it secret: `--admin-token`
 * (visible to other users in `ps`), `--admin-token-file` (preferred), the `GAUNTLET_ADMIN_TOKEN` environment
 * variable, or a generated one. Only a generated token is printed; the variable is removed from this process's
 * environment as soon as it is read, so no child process (replica, instance process) inherits it.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { ADMIN_TOKEN_ENV } from '../../reference-server/cluster/admin-api.js';

/** MAX_TOKEN_FILE_BYTES bounds what is read of a token file (a token is a short line). */
const MAX_TOKEN_FILE_BYTES = 4096;
/** TOKEN_RULE is what every admin token must look like. */
const TOKEN_RULE = /^\S{8,}$/;

/** AdminTokenChoice is the token to use (undefined: generate one) and where it came from (undefined: generated). */
export interface AdminTokenChoice {
  token?: string;
  /** How the start-up line names the token's source instead of printing it. */
  source?: string;
  problems: string[];
  warnings: string[];
}

/** takeEnvToken reads the admin token variable and removes it from this process's environment (empty = unset). */
export function takeEnvToken(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = env[ADMIN_TOKEN_ENV];
  delete env[ADMIN_TOKEN_ENV];
  return value === '' ? undefined : value;
}

/** chooseAdminToken picks the token by precedence: --admin-token, --admin-token-file, the environment, generated. */
export function chooseAdminToken(flag: string | undefined, file: string | undefined, envToken: string | undefined): AdminTokenChoice {
  const out: AdminTokenChoice = { problems: [], warnings: [] };
  if (flag !== undefined && file !== undefined) {
    out.problems.push('--admin-token and --admin-token-file: give one, not both');
    return out;
  }
  if (flag !== undefined) {
    if (!TOKEN_RULE.test(flag)) out.problems.push('--admin-token: must be at least 8 characters without spaces');
    return { ...out, token: flag, source: '--admin-token' };
  }
  if (file !== undefined) return { ...readTokenFile(file, out), source: file };
  if (envToken !== undefined) {
    if (!TOKEN_RULE.test(envToken)) out.problems.push(`$${ADMIN_TOKEN_ENV}: must be at least 8 characters without spaces`);
    return { ...out, token: envToken, source: `$${ADMIN_TOKEN_ENV}` };
  }
  return out;
}

/**
 * readTokenFile reads a token file: a regular file of at most MAX_TOKEN_FILE_BYTES holding one token (a trailing
 * newline is dropped). A file that other users can read is used, with a warning: secret stores often mount
 * tokens mode 0644 inside a private container, where refusing would only get in the way.
 */
function readTokenFile(file: string, out: AdminTokenChoice): AdminTokenChoice {
  let mode: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) {
      out.problems.push(`--admin-token-file: ${file} is not a regular file`);
      return out;
    }
    mode = st.mode;
  } catch (err) {
    out.problems.push(`--admin-token-file: cannot read ${file}: ${(err as Error).message}`);
    return out;
  }
  const buf = Buffer.alloc(MAX_TOKEN_FILE_BYTES + 1);
  let n: number;
  try {
    const fd = openSync(file, 'r');
    try {
      n = readSync(fd, buf, 0, buf.length, 0);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    out.problems.push(`--admin-token-file: cannot read ${file}: ${(err as Error).message}`);
    return out;
  }
  if (n > MAX_TOKEN_FILE_BYTES) {
    out.problems.push(`--admin-token-file: ${file} is over ${MAX_TOKEN_FILE_BYTES} bytes; it must hold just the token`);
    return out;
  }
  const token = buf.toString('utf8', 0, n).replace(/\r?\n$/, '');
  if (!TOKEN_RULE.test(token)) out.problems.push(`--admin-token-file: ${file} must hold one token of at least 8 characters without spaces`);
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    out.warnings.push(`--admin-token-file: ${file} can be read by other users (mode ${(mode & 0o777).toString(8).padStart(4, '0')}); chmod 600 it`);
  }
  return { ...out, token };
}
