/**
 * TracePicks: which request each send of a trace phase makes. A trace phase's plan gives each line of its window
 * a variant (a model and a size, src/scenario/trace-replay.ts); the run's client is built with one list of the
 * variants of every phase (equal ones shared), and the dispatcher asks for the pick of each arrival by its index
 * in the phase, so that whichever load worker sends an arrival sends the line's request.
 */
import type { PhasePlan } from '../scenario/plan.js';
import { NO_PICK, type TraceVariant } from '../scenario/trace-replay.js';

/** TracePicks maps (phase, arrival index) to the index of a variant in `variants`. */
export class TracePicks {
  /** Every trace phase's variants, each once: the list a client is built with (ClientOptions.variants). */
  readonly variants: TraceVariant[] = [];
  /** Per phase: its per-line picks and its variants' indices in `variants` (absent: the phase sends as usual). */
  private readonly phases: ({ picks: ArrayLike<number>; global: Uint32Array } | undefined)[];

  constructor(phases: readonly PhasePlan[]) {
    const index = new Map<string, number>();
    this.phases = phases.map((p) => {
      const s = p.load.kind === 'open' ? p.load.shape : undefined;
      if (s?.type !== 'trace' || s.variants === undefined || s.picks === undefined || s.picks.length === 0) return undefined;
      const global = new Uint32Array(s.variants.length);
      s.variants.forEach((v, i) => {
        const key = JSON.stringify([v.model, v.modelVersion, v.requestBytes]);
        let g = index.get(key);
        if (g === undefined) {
          g = this.variants.length;
          index.set(key, g);
          this.variants.push(v);
        }
        global[i] = g;
      });
      return { picks: s.picks, global };
    });
  }

  /** pick is the variant the arrival with this index (in its phase) sends; undefined: the client's usual request. */
  pick(phase: number, arrival: number): number | undefined {
    const p = this.phases[phase];
    if (p === undefined) return undefined;
    const local = p.picks[arrival % p.picks.length]!;
    return local === NO_PICK ? undefined : p.global[local];
  }
}
