/**
 * The storage port of a client: where its state document lives. `save` must be atomic (after a crash, the store
 * holds either the previous document or the new one, whole); `load` returns undefined when nothing was saved yet.
 * The document passed to `save` is zeroed after the call settles (it holds keys): a store that keeps it must copy it.
 */
export interface StateStore {
  load(): Promise<Uint8Array | undefined>;
  save(document: Uint8Array): Promise<void>;
}
