/**
 * The scheduler of the AWS deployment: EventBridge Scheduler schedules in one schedule group, each invoking the C2's
 * rotation function (through the execution role) with `{ tenantId, ...payload, scheduledTime }` as its input. A
 * tenant's schedule `name` is stored as `p-<32 hex digits of SHA3-256(tenantId + "\n" + name)>` (34 characters):
 * valid for every tenant id and name, one-to-one in practice (128 bits), and the input names the owner, checked on
 * reading. The adapter refuses any name, expression, time zone, window or payload EventBridge would refuse with a
 * C2Error INVALID_INPUT (moto, the test server, checks none of them). Every schedule has a retry policy and a
 * dead-letter queue ({@link RETRY_POLICY}); a schedule in UTC (the default) reads back without `timezone`.
 */
import {
  ConflictException,
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  DeleteScheduleCommand,
  GetScheduleCommand,
  type GetScheduleCommandOutput,
  ResourceNotFoundException,
  type SchedulerClient,
  UpdateScheduleCommand,
  ValidationException,
} from '@aws-sdk/client-scheduler';
import { C2Error, C2ErrorCode } from '../../c2/errors.js';
import { DEFAULT_TIMEZONE, isTimezone } from '../../c2/policies/zonedTime.js';
import type { Scheduler, ScheduleSpec } from '../../c2/ports.js';
import { bytesToHex, sha3, utf8 } from '../../e4/index.js';

export interface EventBridgeSchedulerOptions {
  /** The schedule group (created by the stack). */
  readonly groupName: string;
  /** ARN of the function the schedules invoke (the rotation function). */
  readonly targetArn: string;
  /** ARN of the role EventBridge Scheduler assumes to invoke it. */
  readonly roleArn: string;
  /** ARN of the SQS queue where a run EventBridge could not deliver goes (the stack's schedule dead letters). */
  readonly deadLetterArn: string;
}

/**
 * Retries of a run EventBridge could not hand to the function (throttled by its reserved concurrency, Lambda
 * unavailable): EventBridge's longest, 185 attempts over 24 hours, because a run is idempotent per scheduled time
 * (runPolicy) and a late rotation is better than a missed one; then the dead-letter queue. (Errors of the function
 * itself are Lambda's asynchronous retries and the function's own dead-letter queue.)
 */
export const RETRY_POLICY = { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 } as const;

/** EventBridge Scheduler's limits. */
const MAX_INPUT = 8192;
const MAX_EXPRESSION = 256;
const MAX_WINDOW_MINUTES = 1440;
/** ScheduleSpec.name */
const NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const EXPRESSION = [
  /^rate\([1-9][0-9]{0,8} (minute|minutes|hour|hours|day|days)\)$/,
  /^cron\([^\s()]+( [^\s()]+){5}\)$/,
  /^at\(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\)$/,
];

const invalid = (message: string) => new C2Error(C2ErrorCode.InvalidInput, message);

/** The EventBridge name of a tenant's schedule, or INVALID_INPUT. */
export function scheduleNameOf(tenantId: string, name: string): string {
  if (typeof tenantId !== 'string' || tenantId.length === 0) throw invalid('a schedule needs a tenant id');
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw invalid('"name" of a schedule must be 1 to 64 letters, digits, "_", "." or "-"');
  }
  return `p-${bytesToHex(sha3(utf8(`${tenantId}\n${name}`)).subarray(0, 16))}`;
}

/** EventBridge Scheduler's context attribute: replaced by the time the run was due, e.g. `2022-03-22T18:59:43Z`. */
const SCHEDULED_TIME = '<aws.scheduler.scheduled-time>';

function inputOf(tenantId: string, schedule: ScheduleSpec): string {
  const { payload } = schedule;
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw invalid('"payload" of a schedule must be a JSON object');
  }
  for (const reserved of ['tenantId', 'scheduledTime']) {
    if (Object.hasOwn(payload, reserved)) throw invalid(`"payload" of a schedule must not set "${reserved}"`);
  }
  let input: string;
  try {
    // The time the run was due, filled in by the Scheduler: what makes a run delivered twice start one operation.
    input = JSON.stringify({ tenantId, ...payload, scheduledTime: SCHEDULED_TIME });
  } catch {
    throw invalid('"payload" of a schedule must be JSON');
  }
  if (input.length > MAX_INPUT) throw invalid(`"payload" of a schedule must be under ${MAX_INPUT} characters of JSON`);
  return input;
}

export class EventBridgeScheduler implements Scheduler {
  readonly #client: SchedulerClient;
  readonly #options: EventBridgeSchedulerOptions;

  /** The client is the caller's. */
  constructor(client: SchedulerClient, options: EventBridgeSchedulerOptions) {
    for (const key of ['groupName', 'targetArn', 'roleArn', 'deadLetterArn'] as const) {
      if (typeof options[key] !== 'string' || options[key].length === 0) {
        throw new TypeError(`${key} must be a non-empty string`);
      }
    }
    this.#client = client;
    this.#options = { ...options };
  }

  async putSchedule(tenantId: string, schedule: ScheduleSpec): Promise<void> {
    const input = this.#inputOf(tenantId, schedule);
    try {
      await this.#client.send(new CreateScheduleCommand(input));
      return;
    } catch (error) {
      if (!(error instanceof ConflictException)) throw this.#translate(error, schedule.name);
    }
    try {
      await this.#client.send(new UpdateScheduleCommand(input));
    } catch (error) {
      // Deleted between the two calls: create it again.
      if (!(error instanceof ResourceNotFoundException)) throw this.#translate(error, schedule.name);
      await this.#client.send(new CreateScheduleCommand(input)).catch((again: unknown) => {
        throw this.#translate(again, schedule.name);
      });
    }
  }

  async getSchedule(tenantId: string, name: string): Promise<ScheduleSpec | undefined> {
    const scheduleName = scheduleNameOf(tenantId, name);
    let output: GetScheduleCommandOutput;
    try {
      output = await this.#get(scheduleName);
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return undefined;
      throw error;
    }
    let input: unknown;
    try {
      input = JSON.parse(output.Target?.Input ?? '');
    } catch {
      return undefined; // not a schedule of this adapter
    }
    if (typeof input !== 'object' || input === null || Array.isArray(input)) return undefined;
    const { tenantId: owner, scheduledTime: _filledIn, ...payload } = input as Record<string, unknown>;
    if (owner !== tenantId || !output.ScheduleExpression) return undefined;
    const timezone = output.ScheduleExpressionTimezone;
    const window = output.FlexibleTimeWindow;
    return {
      name,
      expression: output.ScheduleExpression,
      ...(timezone && timezone !== DEFAULT_TIMEZONE ? { timezone } : {}),
      ...(window?.Mode === 'FLEXIBLE' && window.MaximumWindowInMinutes
        ? { flexibleWindowMinutes: window.MaximumWindowInMinutes }
        : {}),
      ...(output.StartDate ? { startDate: output.StartDate.toISOString() } : {}),
      payload,
      enabled: output.State !== 'DISABLED',
    };
  }

  async deleteSchedule(tenantId: string, name: string): Promise<void> {
    const scheduleName = scheduleNameOf(tenantId, name);
    try {
      await this.#client.send(new DeleteScheduleCommand({ Name: scheduleName, GroupName: this.#options.groupName }));
    } catch (error) {
      if (error instanceof ResourceNotFoundException) {
        throw new C2Error(C2ErrorCode.NotFound, `no schedule named "${name}"`, { cause: error });
      }
      throw error;
    }
  }

  #get(scheduleName: string): Promise<GetScheduleCommandOutput> {
    return this.#client.send(new GetScheduleCommand({ Name: scheduleName, GroupName: this.#options.groupName }));
  }

  #inputOf(tenantId: string, schedule: ScheduleSpec): CreateScheduleCommandInput {
    if (typeof schedule !== 'object' || schedule === null) throw invalid('a schedule must be an object');
    const scheduleName = scheduleNameOf(tenantId, schedule.name);
    const { expression, timezone, flexibleWindowMinutes: window, startDate, enabled } = schedule;
    if (
      typeof expression !== 'string' ||
      expression.length > MAX_EXPRESSION ||
      !EXPRESSION.some((pattern) => pattern.test(expression))
    ) {
      throw invalid(
        '"expression" of a schedule must be rate(<n> <unit>), cron(<6 fields>) or at(<yyyy-mm-ddThh:mm:ss>)',
      );
    }
    if (timezone !== undefined && !isTimezone(timezone)) {
      throw invalid('"timezone" of a schedule must be an IANA time zone');
    }
    if (window !== undefined && !(Number.isInteger(window) && window >= 1 && window <= MAX_WINDOW_MINUTES)) {
      throw invalid(`"flexibleWindowMinutes" of a schedule must be a whole number from 1 to ${MAX_WINDOW_MINUTES}`);
    }
    if (startDate !== undefined && !(typeof startDate === 'string' && Number.isFinite(Date.parse(startDate)))) {
      throw invalid('"startDate" of a schedule must be an ISO 8601 time');
    }
    if (enabled !== undefined && typeof enabled !== 'boolean') throw invalid('"enabled" of a schedule must be boolean');
    return {
      Name: scheduleName,
      GroupName: this.#options.groupName,
      ScheduleExpression: expression,
      ...(timezone !== undefined ? { ScheduleExpressionTimezone: timezone } : {}),
      FlexibleTimeWindow: window === undefined ? { Mode: 'OFF' } : { Mode: 'FLEXIBLE', MaximumWindowInMinutes: window },
      ...(startDate !== undefined ? { StartDate: new Date(startDate) } : {}),
      Target: {
        Arn: this.#options.targetArn,
        RoleArn: this.#options.roleArn,
        Input: inputOf(tenantId, schedule),
        RetryPolicy: { ...RETRY_POLICY },
        DeadLetterConfig: { Arn: this.#options.deadLetterArn },
      },
      State: enabled === false ? 'DISABLED' : 'ENABLED',
    };
  }

  /** EventBridge's ValidationException (what the checks above missed) is the caller's INVALID_INPUT. */
  #translate(error: unknown, name: string): unknown {
    if (error instanceof ValidationException) {
      return new C2Error(C2ErrorCode.InvalidInput, `EventBridge Scheduler refused the schedule "${name}"`, {
        cause: error,
      });
    }
    return error;
  }
}
