/**
 * A work queue for tests that drive the worker by hand: messages are kept in memory in the order given, and the test
 * hands them to the real worker (handleWork) one at a time, all at once, or drops them (a worker that crashed
 * before it took the message). Delays are recorded, not waited for. Local mode's own queue is
 * shared/adapters/local/LocalWorkQueue.ts; this one is for tests that need to stand between two steps.
 */
import type { C2Deps } from '../../shared/c2/C2Deps.js';
import { handleWork, type WorkOptions } from '../../shared/c2/operations/handleWork.js';
import type { EnqueueOptions, WorkMessage, WorkQueue } from '../../shared/c2/ports/WorkQueue.js';

export class StepQueue implements WorkQueue {
  readonly messages: { message: WorkMessage; delayMs: number }[] = [];

  async enqueue(messages: readonly WorkMessage[], options: EnqueueOptions = {}): Promise<void> {
    for (const message of messages) this.messages.push({ message, delayMs: options.delayMs ?? 0 });
  }

  /** Takes the first message off the queue. */
  take(): WorkMessage {
    const first = this.messages.shift();
    if (!first) throw new Error('the queue is empty');
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
