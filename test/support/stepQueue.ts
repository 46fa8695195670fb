/**
 * A work queue for tests that drive the worker by hand: messages are kept in memory in the order given, and the test
 * hands them to the real worker (handleWork) one at a time, all at once, or drops them (a worker that crashed
 * before it took the message). Delays are not waited for: the queue keeps its own time, `elapsed` (ms since it was
 * made), which moves to a message's due time when it is handed over, and hands messages over in the order they are
 * due (as SQS and the local queue do), so that a test can run its C2 on that time. Local mode's own queue is
 * shared/adapters/local/LocalWorkQueue.ts; this one is for tests that need to stand between two steps.
 */
import type { C2Deps } from '../../shared/c2/C2Deps.js';
import { handleWork, type WorkOptions } from '../../shared/c2/operations/handleWork.js';
import type { EnqueueOptions, WorkMessage, WorkQueue } from '../../shared/c2/ports/WorkQueue.js';

export class StepQueue implements WorkQueue {
  /** In the order they are due (those due at the same time in the order given). */
  readonly messages: { message: WorkMessage; delayMs: number; dueMs: number }[] = [];
  /** The queue's time: the due time of the last message handed over (ms since the queue was made). */
  elapsed = 0;

  async enqueue(messages: readonly WorkMessage[], options: EnqueueOptions = {}): Promise<void> {
    const delayMs = options.delayMs ?? 0;
    const dueMs = this.elapsed + delayMs;
    for (const message of messages) {
      const at = this.messages.findIndex((queued) => queued.dueMs > dueMs);
      this.messages.splice(at === -1 ? this.messages.length : at, 0, { message, delayMs, dueMs });
    }
  }

  /** The messages queued, but the watches over operations (watchOperation.ts), which every operation has. */
  work(): { message: WorkMessage; delayMs: number }[] {
    return this.messages.filter((queued) => queued.message.type !== 'watch');
  }

  /** Takes the first message due off the queue (the queue's time moves to when it was due). */
  take(): WorkMessage {
    const first = this.messages.shift();
    if (!first) throw new Error('the queue is empty');
    this.elapsed = Math.max(this.elapsed, first.dueMs);
    return first.message;
  }

  /** Hands the first message to the worker. */
  async step(deps: C2Deps, options: WorkOptions = {}): Promise<WorkMessage> {
    const message = this.take();
    await handleWork(deps, message, options);
    return message;
  }

  /** Hands messages to the worker until none is left (at most `limit`); returns how many were handled. */
  async drain(deps: C2Deps, options: WorkOptions & { limit?: number } = {}): Promise<number> {
    let handled = 0;
    for (; this.messages.length > 0; handled++) {
      if (handled === (options.limit ?? 1000))
        throw new Error(`still ${this.messages.length} messages after ${handled}`);
      await this.step(deps, options);
    }
    return handled;
  }
}
