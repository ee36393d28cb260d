/**
 * OrderGate releases completions in ticket order (dynamic_batching.preserve_ordering): a request that finishes
 * early waits until every request that arrived before it has finished.
 */
export class OrderGate {
  private nextTicket = 0;
  private nextRelease = 0;
  private readonly done = new Map<number, () => void>();

  /** ticket takes the next place in line. */
  ticket(): number {
    return this.nextTicket++;
  }

  /** complete registers ticket's completion and runs every completion whose turn has come. */
  complete(ticket: number, release: () => void): void {
    this.done.set(ticket, release);
    for (let fn = this.done.get(this.nextRelease); fn; fn = this.done.get(this.nextRelease)) {
      this.done.delete(this.nextRelease);
      this.nextRelease++;
      fn();
    }
  }
}
