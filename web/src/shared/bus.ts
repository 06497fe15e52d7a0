/** A typed event bus: the only way player pieces talk to each other (they never import each other). */
export type Listeners<E> = { [K in keyof E]?: (data: E[K]) => void };

export class Bus<E> {
  readonly #listeners = new Map<keyof E, Set<(data: never) => void>>();

  /** Registers every listener in the table; the returned function removes exactly that table. */
  on(table: Listeners<E>): () => void {
    const entries = Object.entries(table) as [keyof E, (data: never) => void][];
    for (const [type, fn] of entries) {
      let set = this.#listeners.get(type);
      if (!set) this.#listeners.set(type, (set = new Set()));
      set.add(fn);
    }
    return () => {
      for (const [type, fn] of entries) this.#listeners.get(type)?.delete(fn);
    };
  }

  emit<K extends keyof E>(type: K, data: E[K]): void {
    for (const fn of [...(this.#listeners.get(type) ?? [])]) {
      try {
        (fn as (d: E[K]) => void)(data);
      } catch (err) {
        // One broken piece must not stop the others from hearing the event.
        console.error(`listener for ${String(type)} failed`, err);
      }
    }
  }

  /** Number of listeners still registered (tests use it to check that destroy() is symmetric). */
  size(): number {
    let n = 0;
    for (const set of this.#listeners.values()) n += set.size;
    return n;
  }
}
