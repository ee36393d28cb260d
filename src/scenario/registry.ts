/**
 * Registry: factories found by `type` name. Load shapes and arrival processes are registered here once, at module
 * load; validation, the JSON Schema and the runtime all read the same registry, so a name cannot be known to one
 * and not the others. Registering a name twice is a programming error and throws.
 */
import { GauntletError } from '../errors.js';

/** Registry maps type names to factories of one kind (e.g. 'shape' or 'arrival process'). */
export class Registry<F> {
  private readonly entries = new Map<string, F>();

  constructor(readonly kind: string) {}

  /** register adds a factory under a type name; a name already registered throws. */
  register(type: string, factory: F): void {
    if (this.entries.has(type)) {
      throw new GauntletError('GAUNTLET_ERR_INTERNAL', `${this.kind} type ${JSON.stringify(type)} is already registered`);
    }
    this.entries.set(type, factory);
  }

  /** get returns the factory for a type name; an unknown name throws (validation should have caught it). */
  get(type: string): F {
    const factory = this.entries.get(type);
    if (factory === undefined) {
      throw new GauntletError('GAUNTLET_ERR_INTERNAL', `unknown ${this.kind} type ${JSON.stringify(type)} (known: ${this.names().join(', ')})`);
    }
    return factory;
  }

  /** has tells whether a type name is registered. */
  has(type: string): boolean {
    return this.entries.has(type);
  }

  /** names lists the registered type names in registration order. */
  names(): string[] {
    return [...this.entries.keys()];
  }
}
