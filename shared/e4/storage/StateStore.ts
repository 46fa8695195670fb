/**
 * The storage port of a client: where its state document lives. `save` must be atomic (after a crash, the store
 * holds either the previous document or the new one, whole); `load` returns undefined when nothing was saved yet.
 */
export interface StateStore {
  load(): Promise<Uint8Array | undefined>;
  save(document: Uint8Array): Promise<void>;
}
