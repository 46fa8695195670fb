/**
 * StateWriter: saves after every change, in order, coalescing the changes that arrive during a write. The stores
 * below are real implementations of the StateStore port whose save completes when the test says so: that is how
 * "a write in progress" is held open without timers.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StateWriter } from '../../../shared/e4/client/StateWriter.js';
import { E4Error, E4ErrorCode, type StateStore, utf8 } from '../../../shared/e4/index.js';

interface PendingSave {
  readonly document: string;
  succeed(): void;
  fail(error: unknown): void;
}

/** A store whose every save waits until the test settles it. */
class GatedStore implements StateStore {
  readonly saved: string[] = [];
  readonly #pending: PendingSave[] = [];
  readonly #waiting: Array<(save: PendingSave) => void> = [];

  async load(): Promise<Uint8Array | undefined> {
    const last = this.saved.at(-1);
    return last === undefined ? undefined : utf8(last);
  }

  save(document: Uint8Array): Promise<void> {
    const copy = new TextDecoder().decode(document);
    return new Promise<void>((resolve, reject) => {
      const pending: PendingSave = {
        document: copy,
        succeed: () => {
          this.saved.push(copy);
          resolve();
        },
        fail: reject,
      };
      const waiter = this.#waiting.shift();
      if (waiter) waiter(pending);
      else this.#pending.push(pending);
    });
  }

  /** The next save the writer starts (already started, or the next one to come). */
  nextSave(): Promise<PendingSave> {
    const pending = this.#pending.shift();
    if (pending) return Promise.resolve(pending);
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  get startedButUnclaimed(): number {
    return this.#pending.length;
  }
}

/** A store that saves at once, failing the saves the test asks it to fail. */
class RecordingStore implements StateStore {
  readonly saved: string[] = [];
  failuresLeft = 0;
  attempts = 0;

  async load(): Promise<Uint8Array | undefined> {
    return undefined;
  }

  async save(document: Uint8Array): Promise<void> {
    this.attempts++;
    if (this.failuresLeft > 0) {
      this.failuresLeft--;
      throw new Error('disk full');
    }
    this.saved.push(new TextDecoder().decode(document));
  }
}

/** Lets pending promise callbacks run (a few microtask turns). */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

function track(promise: Promise<void>): { state: 'pending' | 'resolved' | 'rejected'; error?: unknown } {
  const tracked: { state: 'pending' | 'resolved' | 'rejected'; error?: unknown } = { state: 'pending' };
  promise.then(
    () => {
      tracked.state = 'resolved';
    },
    (error) => {
      tracked.state = 'rejected';
      tracked.error = error;
    },
  );
  return tracked;
}

describe('StateWriter', () => {
  it('a failing encoder rejects the change with STORAGE_FAILED and does not block later changes', async () => {
    // Prepare
    const store = new RecordingStore();
    let broken = true;
    const writer = new StateWriter(store, () => {
      if (broken) throw new Error('encoder failure');
      return utf8('state');
    });

    // Act
    const first = writer.changed();
    await expect(first).rejects.toMatchObject({ code: E4ErrorCode.StorageFailed });
    broken = false;
    await writer.changed();

    // Assess
    expect(store.saved).toEqual(['state']);
  });

  let value: number;
  const encode = () => utf8(`state ${value}`);

  beforeEach(() => {
    value = 0;
  });

  it('saves every change, in order, when each is awaited', async () => {
    // Prepare
    const store = new RecordingStore();
    const writer = new StateWriter(store, encode);

    // Act
    for (let i = 1; i <= 4; i++) {
      value = i;
      await writer.changed();
    }

    // Assess
    expect(store.saved).toEqual(['state 1', 'state 2', 'state 3', 'state 4']);
  });

  it('coalesces the changes made during a slow save into the next write, which holds the latest state', async () => {
    // Prepare
    const store = new GatedStore();
    const writer = new StateWriter(store, encode);
    value = 1;
    const first = track(writer.changed());
    const firstSave = await store.nextSave();

    // Act
    value = 2;
    const second = track(writer.changed());
    value = 3;
    const third = track(writer.changed());
    await settle();
    const startedDuringFirst = store.startedButUnclaimed;
    firstSave.succeed();
    const secondSave = await store.nextSave();
    await settle();
    const afterFirst = [first.state, second.state, third.state];
    secondSave.succeed();
    await settle();

    // Assess
    expect(firstSave.document).toBe('state 1');
    expect(startedDuringFirst).toBe(0); // one write at a time
    expect(afterFirst).toEqual(['resolved', 'pending', 'pending']);
    expect(secondSave.document).toBe('state 3');
    expect([first.state, second.state, third.state]).toEqual(['resolved', 'resolved', 'resolved']);
    expect(store.saved).toEqual(['state 1', 'state 3']);
    expect(store.startedButUnclaimed).toBe(0);
  });

  it('encodes the state when it writes, not when the change is reported', async () => {
    // Prepare
    const store = new GatedStore();
    const writer = new StateWriter(store, encode);
    value = 1;
    const first = writer.changed();
    const firstSave = await store.nextSave();
    value = 2;
    const second = writer.changed();

    // Act
    value = 5; // changed again, without reporting it yet
    firstSave.succeed();
    const secondSave = await store.nextSave();
    secondSave.succeed();
    await Promise.all([first, second]);

    // Assess
    expect(secondSave.document).toBe('state 5');
  });

  it('flush() resolves at once when nothing is pending, without writing', async () => {
    // Prepare
    const store = new RecordingStore();
    const writer = new StateWriter(store, encode);

    // Act
    await writer.flush();

    // Assess
    expect(store.attempts).toBe(0);
  });

  it('flush() waits for the write in progress', async () => {
    // Prepare
    const store = new GatedStore();
    const writer = new StateWriter(store, encode);
    value = 1;
    void writer.changed();
    const save = await store.nextSave();

    // Act
    const flushed = track(writer.flush());
    await settle();
    const beforeSave = flushed.state;
    save.succeed();
    await settle();

    // Assess
    expect(beforeSave).toBe('pending');
    expect(flushed.state).toBe('resolved');
    expect(store.saved).toEqual(['state 1']);
  });

  it('a failing save rejects the change with STORAGE_FAILED (cause: the store error); the next change retries', async () => {
    // Prepare
    const store = new RecordingStore();
    const writer = new StateWriter(store, encode);
    store.failuresLeft = 1;
    value = 1;

    // Act
    const failed = await writer.changed().then(
      () => undefined,
      (error: unknown) => error,
    );
    value = 2;
    await writer.changed();

    // Assess
    expect(failed).toBeInstanceOf(E4Error);
    expect((failed as E4Error).code).toBe(E4ErrorCode.StorageFailed);
    expect(((failed as E4Error).cause as Error).message).toBe('disk full');
    expect(store.saved).toEqual(['state 2']);
  });

  it('flush() after a failed save retries it and succeeds', async () => {
    // Prepare
    const store = new RecordingStore();
    const writer = new StateWriter(store, encode);
    store.failuresLeft = 1;
    value = 7;
    await writer.changed().catch(() => undefined);

    // Act
    await writer.flush();

    // Assess
    expect(store.attempts).toBe(2);
    expect(store.saved).toEqual(['state 7']);
  });

  it('flush() rejects with STORAGE_FAILED while the store keeps failing', async () => {
    // Prepare
    const store = new RecordingStore();
    const writer = new StateWriter(store, encode);
    store.failuresLeft = 2;
    value = 1;
    await writer.changed().catch(() => undefined);

    // Act
    const flushed = writer.flush();

    // Assess
    await expect(flushed).rejects.toMatchObject({ code: E4ErrorCode.StorageFailed });
    await writer.flush();
    expect(store.saved).toEqual(['state 1']);
  });

  it('a change made during a failing save is written by a new attempt and its promise resolves', async () => {
    // Prepare
    const store = new GatedStore();
    const writer = new StateWriter(store, encode);
    value = 1;
    const first = track(writer.changed());
    const firstSave = await store.nextSave();
    value = 2;
    const second = track(writer.changed());

    // Act
    firstSave.fail(new Error('transient'));
    const retry = await store.nextSave();
    retry.succeed();
    await settle();

    // Assess
    expect(first.state).toBe('rejected');
    expect(second.state).toBe('resolved');
    expect(retry.document).toBe('state 2');
    expect(store.saved).toEqual(['state 2']);
  });

  it('hands the store a document it wipes once the save settled (a store must copy what it keeps)', async () => {
    // Prepare
    const handed: Uint8Array[] = [];
    const store: StateStore = {
      load: async () => undefined,
      save: async (document) => {
        handed.push(document);
      },
    };
    const writer = new StateWriter(store, encode);
    value = 3;

    // Act
    await writer.changed();

    // Assess
    expect(handed).toHaveLength(1);
    expect(handed[0]!.every((b) => b === 0)).toBe(true);
  });

  describe('ignored promises', () => {
    const unhandled: unknown[] = [];
    const listener = (reason: unknown) => unhandled.push(reason);

    beforeEach(() => {
      unhandled.length = 0;
      process.on('unhandledRejection', listener);
    });

    afterEach(() => {
      process.off('unhandledRejection', listener);
    });

    it('a rejected change promise nobody awaits causes no unhandled rejection', async () => {
      // Prepare
      const store = new RecordingStore();
      const writer = new StateWriter(store, encode);
      store.failuresLeft = 3;

      // Act
      value = 1;
      void writer.changed();
      value = 2;
      void writer.changed();
      await settle();
      // Two macrotask turns: Node reports unhandled rejections after the microtask queue drains.
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));

      // Assess
      expect(store.attempts).toBeGreaterThanOrEqual(1);
      expect(store.saved).toEqual([]);
      expect(unhandled).toEqual([]);
    });
  });
});
