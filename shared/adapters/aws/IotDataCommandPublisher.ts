/**
 * The command publisher of the AWS deployment: AWS IoT Core's data plane `Publish` (HTTPS), one call per command, at
 * QoS 1 and not retained, at most `concurrency` calls in flight. A call that IoT Core accepted is a delivered
 * command: the broker holds it for a device with a persistent session.
 *
 * Retries. The SDK's standard retry strategy already retries throttling and 5xx answers (3 attempts, jittered
 * exponential backoff), but from a retry quota shared by the whole client (500 tokens, 5 per retry): a burst of
 * throttled calls of one fan-out empties it in about 100 retries, after which the SDK retries nothing. So this
 * adapter owns the retries: a command refused with ThrottlingException, ServiceUnavailableException,
 * InternalFailureException (or any 429/5xx answer, a request time-out or a reset connection) is tried again, up to
 * `maxAttempts` attempts, after a full-jitter exponential backoff. {@link IotDataCommandPublisher.create} builds
 * the SDK client with its own retries off (`maxAttempts: 1`) so that attempts are counted in one place; a client
 * given to the constructor keeps its own settings (attempts then multiply).
 *
 * Never throws for a failed command: each command's outcome is returned, in order, with the SDK error's name and a
 * short message when it was not delivered (never its payload).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { IoTDataPlaneClient, type IoTDataPlaneClientConfig, PublishCommand } from '@aws-sdk/client-iot-data-plane';
import type { CommandOutcome, CommandPublisher, ControlCommand } from '../../c2/ports.js';
import { MAX_MESSAGE_AGE_SECONDS } from '../../e4/index.js';

/** What the publisher needs of an IoTDataPlaneClient (tests wrap a real client in one to inject faults). */
export interface IotDataClient {
  send(command: PublishCommand): Promise<unknown>;
  destroy(): void;
}

export interface IotDataCommandPublisherOptions {
  /** Publish calls in flight at once; default 64. */
  readonly concurrency?: number;
  /** Attempts per command (the first included) when IoT Core answers with a retryable error; default 5. */
  readonly maxAttempts?: number;
  /** Backoff before attempt n + 1: a random delay in [0, min(maxDelayMs, baseDelayMs * 2^(n-1))]; default 100. */
  readonly baseDelayMs?: number;
  /** Default 3,000. */
  readonly maxDelayMs?: number;
}

const RETRYABLE_NAMES = new Set([
  'ThrottlingException',
  'ServiceUnavailableException',
  'InternalFailureException',
  'TooManyRequestsException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
]);
const RETRYABLE_SOCKET_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT']);
const MAX_ERROR_LENGTH = 200;

/** Throttling and server-side failures: worth another attempt. Client errors (4xx but 429) are not. */
export function isRetryablePublishError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, code, $metadata, $retryable } = error as {
    name?: unknown;
    code?: unknown;
    $metadata?: { httpStatusCode?: unknown };
    $retryable?: unknown;
  };
  const status = $metadata?.httpStatusCode;
  return (
    (typeof name === 'string' && RETRYABLE_NAMES.has(name)) ||
    (typeof code === 'string' && RETRYABLE_SOCKET_CODES.has(code)) ||
    (typeof status === 'number' && (status === 429 || status >= 500)) ||
    $retryable !== undefined
  );
}

function describeError(error: unknown): string {
  const name = (error as { name?: unknown } | undefined)?.name;
  const message = (error as { message?: unknown } | undefined)?.message;
  const text = [typeof name === 'string' ? name : 'Error', typeof message === 'string' ? message : '']
    .filter((part) => part.length > 0)
    .join(': ');
  return text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH - 1)}…` : text;
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer`);
  return value;
}

export class IotDataCommandPublisher implements CommandPublisher {
  readonly #client: IotDataClient;
  readonly #concurrency: number;
  readonly #maxAttempts: number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  #closed = false;

  /** The publisher owns `client`: {@link close} destroys it. */
  constructor(client: IotDataClient, options: IotDataCommandPublisherOptions = {}) {
    this.#client = client;
    this.#concurrency = positiveInteger(options.concurrency ?? 64, 'concurrency');
    this.#maxAttempts = positiveInteger(options.maxAttempts ?? 5, 'maxAttempts');
    this.#baseDelayMs = options.baseDelayMs ?? 100;
    this.#maxDelayMs = options.maxDelayMs ?? 3_000;
    if (!(this.#baseDelayMs >= 0 && this.#maxDelayMs >= this.#baseDelayMs)) {
      throw new RangeError('baseDelayMs must be >= 0 and maxDelayMs >= baseDelayMs');
    }
  }

  /**
   * A publisher over a new IoTDataPlaneClient. `config.endpoint` is the account's data endpoint
   * (`https://<prefix>-ats.iot.<region>.amazonaws.com`, from `aws iot describe-endpoint --endpoint-type
   * iot:Data-ATS`). The SDK's retries are off unless `config` sets `maxAttempts` or `retryStrategy`.
   */
  static create(
    config: IoTDataPlaneClientConfig,
    options: IotDataCommandPublisherOptions = {},
  ): IotDataCommandPublisher {
    // Time-outs, so that a stalled connection is a retryable TimeoutError and not a worker held until the Lambda ends.
    const requestHandler = { connectionTimeout: 3_000, requestTimeout: 5_000 };
    return new IotDataCommandPublisher(new IoTDataPlaneClient({ maxAttempts: 1, requestHandler, ...config }), options);
  }

  async publish(commands: readonly ControlCommand[]): Promise<CommandOutcome[]> {
    const outcomes = new Array<CommandOutcome>(commands.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < commands.length) {
        const index = next++;
        outcomes[index] = await this.#publishOne(commands[index]!);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.#concurrency, commands.length) }, worker));
    return outcomes;
  }

  /** Destroys the SDK client (its sockets). Call it once `publish` calls have settled. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#client.destroy();
  }

  async #publishOne({ clientName, topic, payload }: ControlCommand): Promise<CommandOutcome> {
    for (let attempt = 1; ; attempt++) {
      if (this.#closed) return { clientName, topic, delivered: false, error: 'the publisher is closed' };
      try {
        // MQTT 5 message expiry: a command queued for an offline device longer than E4's window is dropped by IoT Core
        // (the device would refuse it as stale anyway), so a stale one never arrives after a newer one.
        await this.#client.send(
          new PublishCommand({ topic, qos: 1, retain: false, payload, messageExpiry: MAX_MESSAGE_AGE_SECONDS }),
        );
        return { clientName, topic, delivered: true };
      } catch (error) {
        if (attempt >= this.#maxAttempts || !isRetryablePublishError(error)) {
          const tries = attempt > 1 ? ` (after ${attempt} attempts)` : '';
          return { clientName, topic, delivered: false, error: `${describeError(error)}${tries}` };
        }
      }
      const ceiling = Math.min(this.#maxDelayMs, this.#baseDelayMs * 2 ** (attempt - 1));
      await sleep(Math.random() * ceiling);
    }
  }
}
