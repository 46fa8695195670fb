import type { StateStore } from './StateStore.js';

/** A state store in memory (tests, browsers with their own persistence, short-lived clients). */
export class MemoryStateStore implements StateStore {
  #document: Uint8Array | undefined;

  constructor(document?: Uint8Array) {
    this.#document = document?.slice();
  }

  async load(): Promise<Uint8Array | undefined> {
    return this.#document?.slice();
  }

  async save(document: Uint8Array): Promise<void> {
    this.#document?.fill(0);
    this.#document = document.slice();
  }

  toJSON(): string {
    return '[redacted]';
  }
}
