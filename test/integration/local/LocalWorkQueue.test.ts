/**
 * Local mode's work queue on a real dynalite (on disk where persistence matters): messages handled once each, in the
 * order they are due, after their delay; a handler that throws retried, then kept as dead; at least once across a
 * kill -9 (a child process); close and idle.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalWorkQueue, type LocalWorkQueueOptions } from '../../../shared/adapters/local/LocalWorkQueue.js';
import type { OperationMessage, WorkMessage } from '../../../shared/c2/ports/WorkQueue.js';
import { type DynaliteTable, openDynaliteTable } from '../../support/dynaliteTable.js';
import { runProcess, stopProcesses } from '../../support/processes.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  stopProcesses();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function newFolder(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'e4c2-queue-'));
  cleanups.push(() => rm(folder, { recursive: true, force: true }));
  return folder;
}

async function openTable(path?: string): Promise<DynaliteTable> {
  const table = await openDynaliteTable(path);
  cleanups.push(() => table.close());
  return table;
}

function newQueue(table: DynaliteTable, options: LocalWorkQueueOptions = {}): LocalWorkQueue {
  const queue = new LocalWorkQueue(table.db, table.tableName, options);
  cleanups.push(() => queue.close());
  return queue;
}

/** Operation messages named by a label in the tests: each label gets an operation id of its own. */
const labels = new Map<string, string>();
const operation = (label: string): OperationMessage => {
  const operationId = `01J${String(labels.size).padStart(23, '0')}`;
  labels.set(operationId, label);
  return { type: 'operation', tenantId: 'local', operationId };
};
const idOf = (message: WorkMessage) =>
  message.type === 'operation' ? (labels.get(message.operationId) ?? message.operationId) : message.type;

/** The items of the queue's partition left in the table. */
async function itemsLeft(table: DynaliteTable): Promise<number> {
  const { Count } = await table.db.send(
    new QueryCommand({
      TableName: table.tableName,
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': { S: 'Q#work' } },
    }),
  );
  return Count ?? 0;
}

/** A handler that records what it was given. */
function recorder() {
  const handled: string[] = [];
  return { handled, handler: async (message: WorkMessage) => void handled.push(idOf(message)) };
}

/** A log that keeps its lines. */
function logKeeper() {
  const lines: { level: string; message: string; fields: Record<string, unknown> }[] = [];
  const at =
    (level: string) =>
    (message: string, fields: Record<string, unknown> = {}) =>
      void lines.push({ level, message, fields });
  return { lines, log: { warn: at('warn'), error: at('error') } };
}

describe('LocalWorkQueue', () => {
  it('hands each enqueued message to the handler once, and deletes it once handled', async () => {
    // Prepare
    const table = await openTable();
    const queue = newQueue(table);
    const { handled, handler } = recorder();
    await queue.start(handler);

    // Act
    await queue.enqueue([operation('op-1'), operation('op-2'), operation('op-3')]);
    await queue.idle();

    // Assess
    expect(handled.sort()).toEqual(['op-1', 'op-2', 'op-3']);
    expect(await itemsLeft(table)).toBe(0);
  });

  it('keeps what is enqueued before start in the table, and hands it over in the order it is due', async () => {
    // Prepare
    const table = await openTable();
    const queue = newQueue(table, { concurrency: 1 });
    const { handled, handler } = recorder();
    await queue.enqueue([operation('late')], { delayMs: 300 });
    await queue.enqueue([operation('soon')], { delayMs: 100 });
    await queue.enqueue([operation('now-1'), operation('now-2')]);
    expect(await itemsLeft(table)).toBe(4);

    // Act
    await queue.start(handler);
    await queue.idle();

    // Assess
    expect(handled.slice(0, 2).sort()).toEqual(['now-1', 'now-2']);
    expect(handled.slice(2)).toEqual(['soon', 'late']);
    expect(await itemsLeft(table)).toBe(0);
  });

  it('hands a delayed message over no sooner than its delay, and idle waits for it', async () => {
    // Prepare
    const table = await openTable();
    const queue = newQueue(table);
    let handledAt = 0;
    await queue.start(async () => {
      handledAt = Date.now();
    });

    // Act
    const enqueuedAt = Date.now();
    await queue.enqueue([operation('op-1')], { delayMs: 200 });
    await queue.idle();

    // Assess
    expect(handledAt).toBeGreaterThanOrEqual(enqueuedAt + 200);
  });

  it('runs at most `concurrency` handlers at once', async () => {
    // Prepare
    const table = await openTable();
    const queue = newQueue(table, { concurrency: 2 });
    let running = 0;
    let most = 0;
    await queue.start(async () => {
      running += 1;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 20));
      running -= 1;
    });

    // Act
    await queue.enqueue(['a', 'b', 'c', 'd', 'e'].map(operation));
    await queue.idle();

    // Assess
    expect(most).toBe(2);
    expect(await itemsLeft(table)).toBe(0);
  });

  it('takes the follow-up a handler enqueues before it returns', async () => {
    const table = await openTable();
    const queue = newQueue(table);
    const { handled, handler } = recorder();
    await queue.start(async (message) => {
      await handler(message);
      if (idOf(message) === 'slice-1') await queue.enqueue([operation('slice-2')]);
    });

    await queue.enqueue([operation('slice-1')]);
    await queue.idle();

    expect(handled).toEqual(['slice-1', 'slice-2']);
    expect(await itemsLeft(table)).toBe(0);
  });

  it('retries a handler that throws until it resolves', async () => {
    // Prepare
    const table = await openTable();
    const { lines, log } = logKeeper();
    const queue = newQueue(table, { retryDelayMs: 10, log });
    let calls = 0;
    await queue.start(async () => {
      calls += 1;
      if (calls < 3) throw new Error(`try ${calls} failed`);
    });

    // Act
    await queue.enqueue([operation('op-1')]);
    await queue.idle();

    // Assess
    expect(calls).toBe(3);
    expect(await itemsLeft(table)).toBe(0);
    expect(lines.map((line) => [line.level, line.fields.attempts, line.fields.error])).toEqual([
      ['warn', 1, 'try 1 failed'],
      ['warn', 2, 'try 2 failed'],
    ]);
  });

  it('keeps a message whose handler throws at every attempt as dead, logged, and never handed over again', async () => {
    // Prepare
    const folder = await newFolder();
    const table = await openTable(folder);
    const { lines, log } = logKeeper();
    const queue = newQueue(table, { maxAttempts: 3, retryDelayMs: 5, log });
    let calls = 0;
    await queue.start(async () => {
      calls += 1;
      throw new Error('NOT_FOUND: no such operation');
    });

    // Act
    const message = operation('op-1');
    await queue.enqueue([message]);
    await queue.idle();
    await queue.close();
    const again = newQueue(table);
    const { handled, handler } = recorder();
    await again.start(handler);
    await again.idle();

    // Assess
    expect(calls).toBe(3);
    expect(handled).toEqual([]);
    expect(await again.deadItems()).toEqual([{ message, attempts: 3, lastError: 'NOT_FOUND: no such operation' }]);
    expect(lines.map((line) => line.level)).toEqual(['warn', 'warn', 'error']);
    expect(lines[2]!.fields).toMatchObject({ type: 'operation', attempts: 3 });
    expect(labels.get(lines[2]!.fields.operationId as string)).toBe('op-1');
  });

  it('hands a message over again after its process was killed (kill -9) in the middle of handling it', async () => {
    // Prepare: a process that enqueues op-1 and is killed while handling it.
    const folder = await newFolder();
    const { operationId } = operation('op-1');
    const child = runProcess(process.execPath, [
      '--import',
      'tsx',
      'test/support/workQueueProcess.ts',
      folder,
      operationId,
    ]);
    await child.waitFor(`handling ${operationId}`);
    stopProcesses();
    await child.exited;

    // Act
    const table = await openTable(folder);
    const queue = newQueue(table);
    const { handled, handler } = recorder();
    await queue.start(handler);
    await queue.idle();

    // Assess
    expect(child.child.signalCode).toBe('SIGKILL');
    expect(handled).toEqual(['op-1']);
    expect(await itemsLeft(table)).toBe(0);
  });

  it('close waits for running handlers, and leaves what waits in the table for the next start', async () => {
    // Prepare
    const folder = await newFolder();
    const table = await openTable(folder);
    const queue = newQueue(table);
    let finished = false;
    let started: () => void = () => {};
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    await queue.start(async (message) => {
      started();
      await new Promise((resolve) => setTimeout(resolve, 100));
      finished = idOf(message) === 'now';
    });
    await queue.enqueue([operation('now')]);
    await queue.enqueue([operation('later')], { delayMs: 60_000 });
    await running;

    // Act
    await queue.close();
    const finishedAtClose = finished;
    const next = newQueue(table);
    const { handled, handler } = recorder();
    await next.enqueue([operation('after-close')]);
    await next.start(handler);
    // What is due is handed over as start ends; close waits for it.
    await next.close();

    // Assess
    expect(finishedAtClose).toBe(true);
    expect(handled).toEqual(['after-close']);
    expect(await itemsLeft(table)).toBe(1);
  });

  it('close gives up on a handler that outlives its timeout, the message staying in the table', async () => {
    const table = await openTable();
    const { lines, log } = logKeeper();
    const queue = newQueue(table, { closeTimeoutMs: 50, log });
    let started: () => void = () => {};
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    await queue.start(async () => {
      started();
      await new Promise(() => {});
    });
    await queue.enqueue([operation('stuck')]);
    await running;

    await queue.close();

    expect(await itemsLeft(table)).toBe(1);
    expect(lines).toEqual([
      {
        level: 'warn',
        message: 'work still running at close: handled again at the next start',
        fields: { running: 1 },
      },
    ]);
  });

  it('a start that cannot read the table rejects, and may be tried again', async () => {
    const table = await openTable();
    const queue = new LocalWorkQueue(table.db, 'no-such-table');

    const first = queue.start(async () => {});

    await expect(first).rejects.toThrow(/not found/);
    await queue.idle();
    await expect(queue.start(async () => {})).rejects.toThrow(/not found/);
  });

  it('idle resolves at once when nothing waits, and refuses a negative delay', async () => {
    const table = await openTable();
    const queue = newQueue(table);
    await queue.start(async () => {});

    await queue.idle();

    await expect(queue.enqueue([operation('op-1')], { delayMs: -1 })).rejects.toThrow(RangeError);
    expect(await itemsLeft(table)).toBe(0);
  });

  it('startBatches hands up to batchSize due messages at once; a failed one is retried alone, the others deleted', async () => {
    // Prepare: 7 messages due at once, batches of 3, one slot; "bad" fails its first attempt, and is due again a
    // second later (long enough for the first pass to end first on a loaded machine).
    const table = await openTable();
    const queue = newQueue(table, { concurrency: 1, batchSize: 3, retryDelayMs: 1_000 });
    const batches: string[][] = [];
    let badTries = 0;
    const names = ['m-1', 'm-2', 'bad', 'm-4', 'm-5', 'm-6', 'm-7'];
    await queue.enqueue(names.map(operation));

    // Act
    await queue.startBatches(async (messages) => {
      batches.push(messages.map(idOf));
      return messages.map((message) =>
        idOf(message) === 'bad' && badTries++ === 0 ? new Error('not yet') : undefined,
      );
    });
    await queue.idle();

    // Assess: every message in a batch of at most 3; "bad" once more, alone; nothing left in the table.
    expect(batches.map((batch) => batch.length)).toEqual([3, 3, 1, 1]);
    expect(batches.flat().sort()).toEqual([...names, 'bad'].sort());
    expect(batches.at(-1)).toEqual(['bad']);
    expect(await itemsLeft(table)).toBe(0);
  });

  it('yieldWhile holds due messages back while the other side is busy, until wake or at most atMostMs', async () => {
    // Prepare: a queue that yields while `busy`, for at most 400 ms.
    const table = await openTable();
    let busy = true;
    const queue = newQueue(table, { yieldWhile: { while: () => busy, atMostMs: 400 } });
    const handledAt: number[] = [];
    await queue.start(async () => void handledAt.push(Date.now()));

    // Act: one message held until its limit; one released by wake as soon as the other side is idle.
    const start = Date.now();
    await queue.enqueue([operation('held')]);
    await queue.idle();
    const released = Date.now();
    await queue.enqueue([operation('woken')], { delayMs: 0 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const beforeWake = handledAt.length;
    busy = false;
    queue.wake();
    await queue.idle();

    // Assess
    expect(handledAt[0]! - start).toBeGreaterThanOrEqual(400);
    expect(beforeWake).toBe(1);
    expect(handledAt[1]! - released).toBeLessThan(400);
    expect(await itemsLeft(table)).toBe(0);
  });
});
