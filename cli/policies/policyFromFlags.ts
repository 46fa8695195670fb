/**
 * A policy from the flags of `policies create` / `patch` and a `--file` (flags win over the file): one target flag
 * (`--topic`, `--topic-prefix`, `--all-topics`, `--client`, `--client-prefix`, `--tenant`), the action (inferred
 * from the target when not given), the schedule and its options, `--event`s. A file may be a policy as
 * `policies get --json` prints it: the fields the API computes are left out, its `revision` kept for an update.
 */
import { readFileSync } from 'node:fs';
import type { Schemas } from '../api/Api.js';
import { CliError, usageError } from '../CliError.js';
import { ExitCode } from '../ExitCode.js';
import { parsePolicyEvent } from './parsePolicyEvent.js';

type PolicyInput = Schemas['PolicyInput'];
type PolicyPatch = Schemas['PolicyPatch'];
type Target = Schemas['PolicyTarget'];
type Schedule = Schemas['PolicySchedule'];

export interface PolicyFlags {
  name?: string;
  topic?: string;
  topicPrefix?: string;
  allTopics?: boolean;
  client?: string;
  clientPrefix?: string;
  tenant?: boolean;
  action?: PolicyInput['action'];
  schedule?: string;
  timezone?: string;
  flexibleWindow?: number;
  event?: string[];
  enable?: boolean;
  disable?: boolean;
  removeSchedule?: boolean;
  removeEvents?: boolean;
}

/** The fields of a policy's view that are not its input. */
const COMPUTED = ['id', 'createdAt', 'updatedAt', 'revision', 'description', 'nextRuns'];

/** The target the flags give, if any (at most one). */
export function targetOf(flags: PolicyFlags): Target | undefined {
  const targets: Target[] = [
    ...(flags.topic === undefined ? [] : [{ topic: flags.topic }]),
    ...(flags.topicPrefix === undefined ? [] : [{ topicPrefix: flags.topicPrefix }]),
    ...(flags.allTopics ? [{ allTopics: true as const }] : []),
    ...(flags.client === undefined ? [] : [{ client: flags.client }]),
    ...(flags.clientPrefix === undefined ? [] : [{ clientPrefix: flags.clientPrefix }]),
    ...(flags.tenant ? [{ tenant: true as const }] : []),
  ];
  if (targets.length > 1) {
    throw usageError('one target: --topic, --topic-prefix, --all-topics, --client, --client-prefix or --tenant');
  }
  return targets[0];
}

/** The action a target takes (each target fits one action). */
export function actionFor(target: Target): PolicyInput['action'] {
  if ('client' in target || 'clientPrefix' in target) return 'new-client-key';
  if ('tenant' in target) return 'rotate-c2-key';
  return 'rotate-topic-key';
}

/** The schedule of the flags over `base` (a schedule's options alone change the base's). */
function scheduleOf(flags: PolicyFlags, base: Schedule | null | undefined): Schedule | undefined {
  const options = flags.timezone !== undefined || flags.flexibleWindow !== undefined;
  if (flags.schedule === undefined && !options) return undefined;
  const expression = flags.schedule ?? base?.expression;
  if (expression === undefined) throw usageError('--timezone and --flexible-window need a schedule (--schedule)');
  return {
    ...(flags.schedule === undefined ? (base ?? {}) : {}),
    expression,
    ...(flags.timezone === undefined ? {} : { timezone: flags.timezone }),
    ...(flags.flexibleWindow === undefined ? {} : { flexibleWindowMinutes: flags.flexibleWindow }),
  };
}

function enabledOf(flags: PolicyFlags): boolean | undefined {
  if (flags.enable && flags.disable) throw usageError('--enable or --disable, not both');
  return flags.enable ? true : flags.disable ? false : undefined;
}

/** The JSON object of a policy file, without the fields the API computes, and its revision if it has one. */
export function readPolicyFile(file: string): { fields: Record<string, unknown>; revision?: number } {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file === '-' ? 0 : file, 'utf8'));
  } catch (error) {
    const why = error instanceof SyntaxError ? 'not JSON' : (error as Error).message;
    throw new CliError(`cannot read the policy in ${file}: ${why}`, ExitCode.Usage);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw usageError(`${file} does not hold a policy (a JSON object)`);
  }
  const fields = Object.fromEntries(Object.entries(json).filter(([key]) => !COMPUTED.includes(key)));
  const revision = (json as { revision?: unknown }).revision;
  return { fields, ...(typeof revision === 'number' ? { revision } : {}) };
}

/** A whole policy (create, update): the file's fields, then the flags'. The API checks the result. */
export function policyInputOf(flags: PolicyFlags, file: Record<string, unknown> = {}): PolicyInput {
  const base = file as Partial<PolicyInput>;
  const target = targetOf(flags) ?? base.target;
  const schedule = scheduleOf(flags, base.schedule);
  const enabled = enabledOf(flags);
  const input = {
    ...base,
    ...(flags.name === undefined ? {} : { name: flags.name }),
    ...(target === undefined ? {} : { target }),
    ...(schedule === undefined ? {} : { schedule }),
    ...(flags.event === undefined ? {} : { events: flags.event.map(parsePolicyEvent) }),
    ...(enabled === undefined ? {} : { enabled }),
  };
  if (input.name === undefined) throw usageError('a policy needs a name (--name)');
  if (input.target === undefined) throw usageError('a policy needs a target (--topic, --topic-prefix, --client, ...)');
  const action = flags.action ?? base.action ?? actionFor(input.target);
  return { ...input, action } as PolicyInput;
}

/**
 * The change of `policies patch`: a new target brings the action that fits it unless `--action` says otherwise; the
 * current policy completes a schedule's options given alone.
 */
export function policyPatchOf(flags: PolicyFlags, current?: Schemas['Policy']): PolicyPatch {
  if (flags.removeSchedule && (flags.schedule !== undefined || flags.timezone || flags.flexibleWindow !== undefined)) {
    throw usageError('--remove-schedule or a schedule, not both');
  }
  if (flags.removeEvents && flags.event !== undefined) throw usageError('--remove-events or --event, not both');
  const target = targetOf(flags);
  const schedule = scheduleOf(flags, current?.schedule);
  const enabled = enabledOf(flags);
  const patch: PolicyPatch = {
    ...(flags.name === undefined ? {} : { name: flags.name }),
    ...(target === undefined ? {} : { target }),
    ...(flags.action === undefined
      ? target === undefined
        ? {}
        : { action: actionFor(target) }
      : { action: flags.action }),
    ...(flags.removeSchedule ? { schedule: null } : schedule === undefined ? {} : { schedule }),
    ...(flags.removeEvents
      ? { events: null }
      : flags.event === undefined
        ? {}
        : { events: flags.event.map(parsePolicyEvent) }),
    ...(enabled === undefined ? {} : { enabled }),
  };
  if (Object.keys(patch).length === 0) throw usageError('nothing to change: give at least one flag (see --help)');
  return patch;
}

/** Whether the patch needs the current policy (a schedule's options without its expression). */
export const patchNeedsCurrent = (flags: PolicyFlags): boolean =>
  flags.schedule === undefined && (flags.timezone !== undefined || flags.flexibleWindow !== undefined);
