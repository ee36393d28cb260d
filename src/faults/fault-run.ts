/**
 * FaultRun is everything a run needs for its faults: the TCP proxy in front of the target when the plan has
 * network faults (started before the load workers, which are given the proxy's address instead of the
 * target's), the admin API of the embedded replicated stack, and the scheduler that fires the faults.
 */
import net from 'node:net';
import path from 'node:path';
import type { FaultRecord, ResultsFile } from '../results/results-schema.js';
import type { Plan } from '../scenario/plan.js';
import type { TargetAddress } from '../targets/protocol-entry.js';
import { PROTOCOL_ENTRIES } from '../targets/protocols.js';
import type { TargetSpec } from '../targets/target-spec.js';
import { AdminClient, type AdminEndpoint } from './admin-client.js';
import { ProxyThread } from './proxy-thread.js';
import type { LiveSecond } from './rollout-guard.js';
import { FaultScheduler } from './scheduler.js';
import type { ProxyStats } from './tcp-proxy.js';

/** FaultRunOptions say what a run's faults act on. */
export interface FaultRunOptions {
  /** The embedded stack's admin API (replicated embedded targets only). */
  admin?: AdminEndpoint;
  /** The folder command faults run in (the scenario's). */
  cwd: string;
  log: (line: string) => void;
  /** The run's interrupt: every fault action in progress ends at once when it aborts. */
  signal?: AbortSignal;
  /** The target's model repository API (HTTP base url) for repository faults; default: the target's url over kserve-http. */
  repositoryUrl?: string;
}

/** FaultRun holds one run's proxy, admin client and fault scheduler. */
export class FaultRun {
  private scheduler: FaultScheduler | undefined;
  private finalStats: ProxyStats | undefined;

  private constructor(
    private readonly plan: Plan,
    /** The target as configured (results name it). */
    readonly target: TargetSpec,
    /** The target the load workers and the preflight check use: the proxy when there is one. */
    readonly loadTarget: TargetSpec,
    private readonly proxy: ProxyThread | undefined,
    private readonly admin: AdminClient | undefined,
    private readonly opts: FaultRunOptions,
  ) {}

  /** prepare starts the proxy when the plan has network faults. */
  static async prepare(plan: Plan, target: TargetSpec, opts: FaultRunOptions): Promise<FaultRun> {
    const admin = opts.admin ? new AdminClient(opts.admin) : undefined;
    if (!plan.faults.some((f) => f.action === 'network')) return new FaultRun(plan, target, target, undefined, admin, opts);
    const { host, port } = targetAddress(target);
    const proxy = await ProxyThread.start({ targetHost: host, targetPort: port, seed: plan.seed });
    opts.log(`network faults: requests go through a TCP proxy at 127.0.0.1:${proxy.port} in front of ${host}:${port}`);
    return new FaultRun(plan, target, throughProxy(target, proxy.port), proxy, admin, opts);
  }

  /**
   * start fires the faults relative to the run's start; env tells command faults about the run. Paths are made
   * absolute here: a command runs in the scenario's folder, not in gauntlet's working directory.
   */
  start(startEpochMs: number, runDir: string, liveSeconds?: () => LiveSecond[]): void {
    if (this.plan.faults.length === 0) return;
    const env = { GAUNTLET_TARGET_URL: this.target.url, GAUNTLET_RUN_DIR: path.resolve(runDir), GAUNTLET_SCENARIO: this.plan.name };
    const proxy = this.proxy;
    this.scheduler = new FaultScheduler(
      this.plan.faults,
      { ...(this.admin && { admin: this.admin }), ...(proxy && { proxy }), cwd: path.resolve(this.opts.cwd), env, ...(this.opts.signal && { cancel: this.opts.signal }), ...repositoryEnv(this.target, this.opts.repositoryUrl, liveSeconds) },
      this.opts.log,
    );
    this.scheduler.start(startEpochMs);
  }

  /** finish settles every fault (see FaultScheduler.finish), reads the replacements' cold starts and the proxy's counts. */
  async finish(): Promise<void> {
    await this.scheduler?.finish();
    await this.scheduler?.collectColdStarts();
    if (this.proxy) this.finalStats = await this.proxy.stats();
  }

  /** records are the fault records so far (copies). */
  records(): FaultRecord[] {
    return (this.scheduler?.records ?? []).map((r) => ({ ...r }));
  }

  /** proxyInfo describes the proxy for results.target, when there is one. */
  proxyInfo(): ResultsFile['target']['proxy'] {
    if (!this.proxy) return undefined;
    const s = this.finalStats ?? { bytesToTarget: 0, bytesFromTarget: 0, connections: 0 };
    return { url: this.loadTarget.url, bytesToTarget: s.bytesToTarget, bytesFromTarget: s.bytesFromTarget, connections: s.connections };
  }

  /** close stops the proxy. */
  async close(): Promise<void> {
    await this.proxy?.close();
  }
}

/** targetAddress is the host and port a target's url points at (its protocol's entry reads the url). */
export function targetAddress(target: TargetSpec): TargetAddress {
  return PROTOCOL_ENTRIES[target.protocol].address(target);
}

/**
 * throughProxy is the target with its url pointing at the proxy (scheme and path prefix kept). A TLS target keeps
 * checking the certificate against its own host name: the proxy forwards bytes, so the server still presents the
 * certificate of that name, not of 127.0.0.1.
 */
export function throughProxy(target: TargetSpec, proxyPort: number): TargetSpec {
  const entry = PROTOCOL_ENTRIES[target.protocol];
  const url = entry.proxied(target, `127.0.0.1:${proxyPort}`);
  const { host } = entry.address(target);
  const tls = target.tls !== undefined && target.tls.serverName === undefined && net.isIP(host) === 0 ? { ...target.tls, serverName: host } : target.tls;
  return { ...target, url, ...(tls !== undefined && { tls }) };
}

/** repositoryEnv is what repository faults act through: the repository url (the target's own for kserve-http) and the run's seconds. */
function repositoryEnv(target: TargetSpec, url: string | undefined, liveSeconds?: () => LiveSecond[]): { repositoryUrl?: string; liveSeconds?: () => LiveSecond[] } {
  const repositoryUrl = url ?? (target.protocol === 'kserve-http' ? target.url : undefined);
  return { ...(repositoryUrl !== undefined && { repositoryUrl }), ...(liveSeconds && { liveSeconds }) };
}
