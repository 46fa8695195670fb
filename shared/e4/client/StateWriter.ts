/**
 * Persists a client's state after each change, in order, without blocking the caller: changes are applied in
 * memory at once, and the writer saves the current state document whenever a change is pending, coalescing the
 * changes that arrive during a write. Each change gets a promise that settles when a document holding it is
 * durable (or the write failed).
 */
import { E4Error, E4ErrorCode } from '../errors.js';
import type { StateStore } from '../storage/StateStore.js';

interface Waiter {
  readonly version: number;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

export class StateWriter {
  readonly #store: StateStore;
  readonly #encode: () => Uint8Array;
  #version = 0;
  #savedVersion = 0;
  #waiters: Waiter[] = [];
  #running: Promise<void> | undefined;

  constructor(store: StateStore, encode: () => Uint8Array) {
    this.#store = store;
    this.#encode = encode;
  }

  /** Records a change; the promise resolves once it is saved. It is pre-handled: ignoring it never crashes. */
  changed(): Promise<void> {
    const version = ++this.#version;
    const saved = new Promise<void>((resolve, reject) => this.#waiters.push({ version, resolve, reject }));
    saved.catch(() => {});
    this.#running ??= this.#drain();
    return saved;
  }

  /** Resolves when every change so far is saved; rejects if the last write failed. */
  async flush(): Promise<void> {
    if (this.#savedVersion === this.#version) return;
    const version = this.#version;
    const saved = new Promise<void>((resolve, reject) => this.#waiters.push({ version, resolve, reject }));
    this.#running ??= this.#drain();
    await saved;
  }

  async #drain(): Promise<void> {
    // Yield first: the caller assigns #running after this call returns, and #drain resets it when done.
    await undefined;
    while (this.#savedVersion < this.#version) {
      const version = this.#version;
      let document: Uint8Array | undefined;
      let failure: unknown;
      try {
        document = this.#encode();
        await this.#store.save(document);
        this.#savedVersion = version;
      } catch (cause) {
        failure = new E4Error(E4ErrorCode.StorageFailed, 'could not save the client state', { cause });
      } finally {
        document?.fill(0);
      }
      const done = this.#waiters.filter((w) => w.version <= version);
      this.#waiters = this.#waiters.filter((w) => w.version > version);
      for (const waiter of done) failure ? waiter.reject(failure) : waiter.resolve();
      if (failure) {
        // Leave later changes to the next call; a failed version stays unsaved so that flush() retries it.
        if (this.#waiters.length === 0) break;
      }
    }
    this.#running = undefined;
  }
}
