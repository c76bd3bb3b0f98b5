import "server-only";

/**
 * Answers requests in batches: requests that arrive while a batch is being
 * handled wait for the next one, and the next one takes all of them (up to
 * `maxBatch`). One batch is in flight at a time. `handle` answers each input
 * in order, with a value or an Error for that input alone; if it throws, every
 * request of the batch gets that error. A fleet's agents starting or ending
 * their runs at once become a few transactions instead of thousands waiting
 * for a database connection.
 */
export class RequestBatcher<I, O> {
  #queue: { input: I; resolve(value: O): void; reject(error: unknown): void }[] = [];
  #draining: Promise<void> | undefined;

  constructor(
    private readonly handle: (inputs: I[]) => Promise<(O | Error)[]>,
    private readonly maxBatch = 1000,
  ) {}

  submit(input: I): Promise<O> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ input, resolve, reject });
      this.#draining ??= this.#drain();
    });
  }

  async #drain(): Promise<void> {
    // Requests that arrived in the same turn of the event loop share the first batch too.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.maxBatch);
      try {
        const answers = await this.handle(batch.map((item) => item.input));
        batch.forEach((item, i) => {
          const answer = answers[i];
          if (answer instanceof Error) item.reject(answer);
          else item.resolve(answer as O);
        });
      } catch (error) {
        for (const item of batch) item.reject(error);
      }
    }
    this.#draining = undefined;
  }
}
