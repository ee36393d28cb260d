/**
 * Supervisor runs the replicas of a cluster as child processes, like an orchestrator: it starts them, tracks
 * each one's state, restarts the ones that die (after the restart delay, or never), and carries out the
 * admin operations kill (SIGKILL), stop (drain, SIGTERM, wait) and restore (start now, resolve when ready).
 *
 * States: starting → ready ⇄ ejected (health checks); ready/ejected/starting → draining → stopped (stop);
 * any live state → dead (the process exited unexpectedly or was killed) → starting (restart or restore).
 */
import { ClusterError } from './cluster-error.js';
import type { ReplicaOptions } from './replica-options.js';
import { type ColdStart, ReplicaProcess } from './replica-process.js';

/** ReplicaState is where a replica is in its life; the router sends requests only to `ready` ones. */
export type ReplicaState = 'starting' | 'ready' | 'ejected' | 'draining' | 'stopped' | 'dead';

/** ReplicaInfo is a replica as the admin API shows it. */
export interface ReplicaInfo {
  id: string;
  state: ReplicaState;
  pid: number | null;
  httpPort: number;
  grpcPort: number;
  metricsPort: number;
  inFlight: number;
  requests: number;
  restarts: number;
  coldStartMs: ColdStart | null;
  downSince: string | null;
}

/** Replica is one slot of the cluster; its process changes on every restart (`generation` counts them). */
export class Replica {
  state: ReplicaState = 'starting';
  process?: ReplicaProcess;
  /** How many processes this replica has had; the router's connections belong to one generation. */
  generation = 0;
  /** Requests the router has in flight on this replica now (maintained by the router). */
  inFlight = 0;
  /** Requests the router has sent to this replica, over all its generations (maintained by the router). */
  requests = 0;
  restarts = 0;
  coldStart: ColdStart | null = null;
  downSince: Date | null = null;
  /** Consecutive processes that exited before becoming ready (they back the restart off). */
  failedStarts = 0;
  restartTimer?: NodeJS.Timeout;

  constructor(readonly id: string) {}

  get httpPort(): number {
    return this.process?.ports?.httpPort ?? 0;
  }

  get grpcPort(): number {
    return this.process?.ports?.grpcPort ?? 0;
  }

  get metricsPort(): number {
    return this.process?.ports?.metricsPort ?? 0;
  }

  /** info is the admin API's view of the replica. */
  info(): ReplicaInfo {
    const alive = this.process !== undefined && this.process.exit === undefined;
    return {
      id: this.id,
      state: this.state,
      pid: alive ? this.process!.pid : null,
      httpPort: this.httpPort,
      grpcPort: this.grpcPort,
      metricsPort: this.metricsPort,
      inFlight: this.inFlight,
      requests: this.requests,
      restarts: this.restarts,
      coldStartMs: this.coldStart,
      downSince: this.downSince?.toISOString() ?? null,
    };
  }
}

/** SupervisorOptions configures the replicas and the restart policy. */
export interface SupervisorOptions {
  /** Replica slots (the autoscaler's maximum). */
  replicas: number;
  /** Slots started at start-up (default all); the rest wait, stopped, for the autoscaler. */
  initialReplicas?: number;
  /**
   * A delay added to every start after the cluster's own start-up (scale-ups, restarts, restores) once the process
   * is warm, before it is ready: it stands for loading large weights (default 0; docs/cluster.md#autoscaler).
   */
  coldStartExtraMs?: number;
  replica: ReplicaOptions;
  /** Delay before a dead replica is started again, in milliseconds; null = never restart. */
  restartDelayMs: number | null;
  /** How long a replica may take to become ready (default 180 s). */
  startTimeoutMs?: number;
  /** Extra environment per replica (tests and drills, e.g. GAUNTLET_REPLICA_DELAY_US for one replica). */
  env?: (id: string) => Record<string, string> | undefined;
  log?: (line: string) => void;
}

/** StateListener hears every state change. */
export type StateListener = (replica: Replica, from: ReplicaState) => void;

/** MAX_RESTART_BACKOFF_MS caps the delay before restarting a replica that keeps dying during start-up. */
const MAX_RESTART_BACKOFF_MS = 30_000;
/** How long past the grace period a SIGTERMed replica may take before it gets SIGKILL. */
const KILL_AFTER_GRACE_MS = 10_000;

/** Supervisor owns the replica processes. */
export class Supervisor {
  readonly replicas: Replica[];
  private readonly listeners: StateListener[] = [];
  private readonly log: (line: string) => void;
  private closing = false;
  private started = false;

  constructor(private readonly opts: SupervisorOptions) {
    this.replicas = Array.from({ length: opts.replicas }, (_, i) => new Replica(`r${i}`));
    for (const r of this.replicas.slice(opts.initialReplicas ?? opts.replicas)) r.state = 'stopped';
    this.log = opts.log ?? (() => {});
  }

  /** start launches every replica and resolves when all are ready; if one fails, all are stopped and it rejects. */
  async start(): Promise<void> {
    const results = await Promise.allSettled(this.replicas.filter((r) => r.state === 'starting').map((r) => this.launch(r)));
    const failed = results.find((x): x is PromiseRejectedResult => x.status === 'rejected');
    if (failed) {
      await this.close(0);
      throw failed.reason;
    }
    this.started = true;
  }

  /** onStateChange registers a listener for every state change. */
  onStateChange(listener: StateListener): void {
    this.listeners.push(listener);
  }

  /** get finds a replica by id, or throws a 404 ClusterError. */
  get(id: string): Replica {
    const r = this.replicas.find((x) => x.id === id);
    if (!r) throw new ClusterError(404, `no replica '${id}' (replicas: ${this.replicas.map((x) => x.id).join(', ')})`);
    return r;
  }

  /** ready lists the replicas that take requests. */
  ready(): Replica[] {
    return this.replicas.filter((r) => r.state === 'ready');
  }

  /** kill SIGKILLs the replica's process and resolves once it is dead (the restart policy then applies). */
  async kill(id: string): Promise<ReplicaInfo> {
    const r = this.get(id);
    const proc = r.process;
    if (!proc || proc.exit !== undefined || r.state === 'dead' || r.state === 'stopped') throw new ClusterError(409, `replica ${id} is ${r.state}: nothing to kill`);
    proc.kill('SIGKILL');
    await proc.exited;
    // The exit handler ran first (it was registered at launch) and a restart is at least a timer away.
    return r.info();
  }

  /** stop takes the replica out of rotation, sends SIGTERM so it drains, and resolves once it exited. */
  async stop(id: string, graceMs: number): Promise<ReplicaInfo> {
    const r = this.get(id);
    const proc = r.process;
    if (!proc || !['starting', 'ready', 'ejected'].includes(r.state)) throw new ClusterError(409, `replica ${id} is ${r.state}: only a starting, ready or ejected replica can be stopped`);
    r.downSince = new Date();
    this.setState(r, 'draining');
    proc.kill('SIGTERM');
    const force = setTimeout(() => proc.kill('SIGKILL'), graceMs + KILL_AFTER_GRACE_MS);
    await proc.exited;
    clearTimeout(force);
    return r.info();
  }

  /** restore starts a dead or stopped replica now and resolves once it is ready, with its cold start. */
  async restore(id: string): Promise<ReplicaInfo> {
    const r = this.get(id);
    if (r.state !== 'dead' && r.state !== 'stopped') throw new ClusterError(409, `replica ${id} is ${r.state}: only a dead or stopped replica can be restored`);
    clearTimeout(r.restartTimer);
    r.restartTimer = undefined;
    try {
      await this.launch(r);
    } catch (err) {
      throw new ClusterError(500, `replica ${id} did not become ready: ${(err as Error).message}`);
    }
    return r.info();
  }

  /** eject takes a ready replica out of rotation (failed health checks or a connection error); false when it was not ready. */
  eject(r: Replica, why: string): boolean {
    if (r.state !== 'ready') return false;
    this.log(`replica ${r.id} ejected: ${why}`);
    this.setState(r, 'ejected');
    return true;
  }

  /** readmit puts an ejected replica back into rotation. */
  readmit(r: Replica): void {
    if (r.state !== 'ejected') return;
    this.log(`replica ${r.id} re-admitted`);
    this.setState(r, 'ready');
  }

  /** close stops restarting and stops every replica (SIGTERM; SIGKILL past graceMs plus a margin). */
  async close(graceMs: number): Promise<void> {
    this.closing = true;
    await Promise.all(
      this.replicas.map(async (r) => {
        clearTimeout(r.restartTimer);
        const proc = r.process;
        if (!proc || proc.exit !== undefined) return;
        if (r.state !== 'draining') {
          r.downSince ??= new Date();
          this.setState(r, 'draining');
        }
        proc.kill(graceMs > 0 ? 'SIGTERM' : 'SIGKILL');
        const force = setTimeout(() => proc.kill('SIGKILL'), graceMs + KILL_AFTER_GRACE_MS);
        await proc.exited;
        clearTimeout(force);
      }),
    );
  }

  /** launch starts a new process for the replica and resolves once it is ready. */
  private async launch(r: Replica): Promise<void> {
    if (this.closing) throw new Error('the cluster is closing');
    r.generation++;
    if (r.generation > 1) r.restarts++;
    const proc = new ReplicaProcess(r.id, this.opts.replica, this.opts.env?.(r.id), this.opts.startTimeoutMs ?? 180_000, this.log);
    r.process = proc;
    r.coldStart = null;
    this.setState(r, 'starting');
    void proc.exited.then((exit) => this.onExit(r, proc, exit.signal ?? `code ${exit.code}`));
    let cold = await proc.ready;
    const extraMs = this.started ? (this.opts.coldStartExtraMs ?? 0) : 0;
    if (extraMs > 0) {
      await new Promise((resolve) => setTimeout(resolve, extraMs)); // the stand-in for loading large weights
      cold = { ...cold, extraMs, totalMs: Math.round((cold.totalMs + extraMs) * 10) / 10 };
    }
    if (r.process !== proc || r.state !== 'starting') throw new Error(`replica ${r.id} left the starting state (${r.state}) before it was ready`);
    r.coldStart = cold;
    r.downSince = null;
    r.failedStarts = 0;
    this.log(`replica ${r.id} ready (pid ${proc.pid}, cold start ${cold.totalMs} ms: ${cold.spawnToLoadedMs} ms to load, ${cold.loadedToReadyMs} ms to warm up${cold.extraMs ? `, ${cold.extraMs} ms extra` : ''})`);
    this.setState(r, 'ready');
  }

  private onExit(r: Replica, proc: ReplicaProcess, how: string): void {
    if (r.process !== proc) return;
    if (r.state === 'draining') {
      this.setState(r, 'stopped');
      return;
    }
    const wasStarting = r.state === 'starting';
    r.downSince = new Date();
    this.setState(r, 'dead');
    if (wasStarting) r.failedStarts++;
    if (this.closing || this.opts.restartDelayMs === null) {
      this.log(`replica ${r.id} died (${how})${this.closing ? '' : '; not restarting (restart delay: never)'}`);
      return;
    }
    const delay = r.failedStarts > 0 ? Math.max(this.opts.restartDelayMs, Math.min(MAX_RESTART_BACKOFF_MS, 1000 * 2 ** (r.failedStarts - 1))) : this.opts.restartDelayMs;
    this.log(`replica ${r.id} died (${how}); restarting in ${delay / 1000} s`);
    r.restartTimer = setTimeout(() => {
      r.restartTimer = undefined;
      if (r.state !== 'dead' || this.closing) return;
      this.launch(r).catch((err: Error) => this.log(`replica ${r.id} restart failed: ${err.message.split('\n', 1)[0]}`));
    }, delay);
  }

  private setState(r: Replica, to: ReplicaState): void {
    const from = r.state;
    if (from === to) return;
    r.state = to;
    for (const l of this.listeners) l(r, from);
  }
}
