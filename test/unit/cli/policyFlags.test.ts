/**
 * The CLI's pure readings of what the operator types for events and policies: `--event` specs, a policy from flags
 * and a file, a patch, the times of `--from`/`--to`, and the cursor of an export's Link header.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CliError } from '../../../cli/CliError.js';
import { nextCursorOf } from '../../../cli/events/nextCursorOf.js';
import { timeOf } from '../../../cli/events/timeOf.js';
import { parsePolicyEvent } from '../../../cli/policies/parsePolicyEvent.js';
import { policyInputOf, policyPatchOf, readPolicyFile } from '../../../cli/policies/policyFromFlags.js';

const usage = (run: () => unknown): string => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(2);
    return (error as Error).message;
  }
  throw new Error('no usage error');
};

describe('parsePolicyEvent', () => {
  it('reads the short and the field forms', () => {
    expect(parsePolicyEvent('client.subscribed=10')).toEqual({ type: 'client.subscribed', count: 10 });
    expect(parsePolicyEvent('client.unsubscribed=2')).toEqual({ type: 'client.unsubscribed', count: 2 });
    expect(parsePolicyEvent('key.age=90')).toEqual({ type: 'key.age', days: 90 });
    expect(parsePolicyEvent('client.removed')).toEqual({ type: 'client.removed' });
    expect(parsePolicyEvent('client.removed:delayMinutes=10,batchMinutes=5')).toEqual({
      type: 'client.removed',
      delayMinutes: 10,
      batchMinutes: 5,
    });
  });

  it('refuses an unknown type, a short form without its field, a value that is not a number', () => {
    expect(usage(() => parsePolicyEvent('client.renamed=1'))).toContain('is not an event');
    expect(usage(() => parsePolicyEvent('client.removed=5'))).toContain('takes fields');
    expect(usage(() => parsePolicyEvent('key.age=ninety'))).toContain('"ninety" is not a whole number');
    expect(usage(() => parsePolicyEvent('client.removed:delayMinutes'))).toContain('is not a whole number');
  });
});

describe('policyInputOf and policyPatchOf', () => {
  it('makes a policy from flags, the action inferred from the target', () => {
    expect(
      policyInputOf({ name: 'p', topicPrefix: 'home/', schedule: 'rate(1 day)', timezone: 'Europe/Paris' }),
    ).toEqual({
      name: 'p',
      target: { topicPrefix: 'home/' },
      action: 'rotate-topic-key',
      schedule: { expression: 'rate(1 day)', timezone: 'Europe/Paris' },
    });
    expect(policyInputOf({ name: 'c', clientPrefix: 'dev-', event: ['key.age=30'], disable: true })).toMatchObject({
      action: 'new-client-key',
      events: [{ type: 'key.age', days: 30 }],
      enabled: false,
    });
    expect(policyInputOf({ name: 't', tenant: true, schedule: 'rate(7 days)' }).action).toBe('rotate-c2-key');
  });

  it('puts flags over a file, whose schedule options they complete', () => {
    const file = {
      name: 'f',
      target: { topic: 'a' },
      action: 'rotate-topic-key',
      schedule: { expression: 'rate(1 day)' },
    };
    expect(policyInputOf({ timezone: 'UTC', name: 'g' }, file)).toEqual({
      name: 'g',
      target: { topic: 'a' },
      action: 'rotate-topic-key',
      schedule: { expression: 'rate(1 day)', timezone: 'UTC' },
    });
  });

  it('refuses two targets, no name, no target, --enable with --disable', () => {
    expect(usage(() => policyInputOf({ name: 'x', topic: 'a', allTopics: true }))).toContain('one target');
    expect(usage(() => policyInputOf({ topic: 'a' }))).toContain('--name');
    expect(usage(() => policyInputOf({ name: 'x' }))).toContain('target');
    expect(usage(() => policyInputOf({ name: 'x', topic: 'a', enable: true, disable: true }))).toContain('not both');
    expect(usage(() => policyInputOf({ name: 'x', topic: 'a', timezone: 'UTC' }))).toContain('need a schedule');
  });

  it('patches only what the flags say; null removes; a new target brings its action', () => {
    expect(policyPatchOf({ disable: true })).toEqual({ enabled: false });
    expect(policyPatchOf({ removeSchedule: true, event: ['client.subscribed=3'] })).toEqual({
      schedule: null,
      events: [{ type: 'client.subscribed', count: 3 }],
    });
    expect(policyPatchOf({ client: 'alice' })).toEqual({ target: { client: 'alice' }, action: 'new-client-key' });
    expect(usage(() => policyPatchOf({}))).toContain('nothing to change');
    expect(usage(() => policyPatchOf({ removeEvents: true, event: ['key.age=1'] }))).toContain('not both');
  });

  it('reads a file as `policies get --json` prints it: computed fields left out, the revision kept', () => {
    const dir = mkdtempSync(join(tmpdir(), 'e4c2-policy-'));
    const file = join(dir, 'p.json');
    writeFileSync(
      file,
      JSON.stringify({ id: 'X', name: 'p', revision: 4, nextRuns: [], description: 'd', enabled: true }),
    );
    expect(readPolicyFile(file)).toEqual({ fields: { name: 'p', enabled: true }, revision: 4 });
    writeFileSync(file, '[1]');
    expect(usage(() => readPolicyFile(file))).toContain('a JSON object');
    writeFileSync(file, '{');
    expect(usage(() => readPolicyFile(file))).toContain('not JSON');
  });
});

describe('timeOf', () => {
  const now = Date.parse('2026-12-05T12:00:00Z');
  it('reads ISO times, days and ages', () => {
    expect(timeOf('--from', '2026-11-23T08:00:00Z', now)).toBe('2026-11-23T08:00:00.000Z');
    expect(timeOf('--from', '2026-11-23', now)).toBe('2026-11-23T00:00:00.000Z');
    expect(timeOf('--from', '24h', now)).toBe('2026-12-04T12:00:00.000Z');
    expect(timeOf('--from', '90m', now)).toBe('2026-12-05T10:30:00.000Z');
    expect(timeOf('--to', '7d', now)).toBe('2026-11-28T12:00:00.000Z');
    expect(usage(() => timeOf('--from', 'yesterday', now))).toContain('--from "yesterday" is not a time');
  });
});

describe('nextCursorOf', () => {
  it('takes the cursor of rel="next", nothing without one', () => {
    expect(nextCursorOf('</v1/events/export?action=topic.rotate&cursor=abc%3D>; rel="next"')).toBe('abc=');
    expect(nextCursorOf('</x?cursor=1>; rel="prev", </x?cursor=2>; rel=next')).toBe('2');
    expect(nextCursorOf(null)).toBeUndefined();
    expect(nextCursorOf('</x?cursor=1>; rel="prev"')).toBeUndefined();
  });
});
