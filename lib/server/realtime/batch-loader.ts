import "server-only";

/**
 * Loads values by key in batches: keys asked for within one window are
 * loaded with one call, and each caller gets its own value (undefined when
 * the batch had none for it). A fleet's 2,000 runs starting within a second
 * become a few queries instead of 2,000.
 */
export class BatchLoader<K, V> {
  #pending = new Map<K, { resolve(value: V | undefined): void; reject(error: unknown): void }[]>();
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly loadMany: (keys: K[]) => Promise<Map<K, V>>,
    private readonly windowMs = 20,
  ) {}

  load(key: K): Promise<V | undefined> {
    return new Promise((resolve, reject) => {
      const waiting = this.#pending.get(key);
      if (waiting) waiting.push({ resolve, reject });
      else this.#pending.set(key, [{ resolve, reject }]);
      this.#timer ??= setTimeout(() => this.#flush(), this.windowMs);
    });
  }

  #flush(): void {
    this.#timer = undefined;
    const batch = this.#pending;
    this.#pending = new Map();
    this.loadMany([...batch.keys()]).then(
      (values) => {
        for (const [key, waiters] of batch) for (const waiter of waiters) waiter.resolve(values.get(key));
      },
      (error: unknown) => {
        for (const waiters of batch.values()) for (const waiter of waiters) waiter.reject(error);
      },
    );
  }
}
