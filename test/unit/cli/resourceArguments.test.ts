/**
 * The CLI's pure helpers of the resource commands: keys typed on the command line, secrets piped on stdin, the
 * 404 of a request about two records, delivery reports, the rows of `e4c2 limits`.
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CliError } from '../../../cli/CliError.js';
import { limitRows } from '../../../cli/commands/limitsCommand.js';
import { ExitCode } from '../../../cli/ExitCode.js';
import { namingRefs, notFoundMessage } from '../../../cli/ids/namingRefs.js';
import { clientRef, topicRef } from '../../../cli/ids/refs.js';
import { keyArgumentOf } from '../../../cli/keys/keyArgumentOf.js';
import { secretFromStdin, secretOfText } from '../../../cli/keys/secretFromStdin.js';
import { deliveryFailure, deliverySummary } from '../../../cli/output/deliveryOutcome.js';

const HEX = '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f';
const BASE64 = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=';

function usageMessageOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(ExitCode.Usage);
    return (error as CliError).message;
  }
  throw new Error('no error');
}

describe('keyArgumentOf', () => {
  it('reads 64 hex characters (either case) or 44 of base64 as the base64 the API takes', () => {
    expect(keyArgumentOf(HEX, '--key')).toBe(BASE64);
    expect(keyArgumentOf(HEX.toUpperCase(), '--key')).toBe(BASE64);
    expect(keyArgumentOf(BASE64, '--key')).toBe(BASE64);
    expect(keyArgumentOf(` ${HEX}\n`, '--key')).toBe(BASE64);
  });

  it('refuses other lengths, alphabets and spellings without repeating the value', () => {
    const bad = [
      HEX.slice(2),
      `${HEX}00`,
      `${HEX.slice(1)}g`,
      BASE64.replace('=', ''),
      `-${BASE64.slice(1)}`, // base64url
      'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9=', // non-zero trailing bits: not the one spelling
      'AAAAAAAAAAAAAAAAAAAAAA==', // 16 bytes
      '',
    ];
    for (const value of bad) {
      const message = usageMessageOf(() => keyArgumentOf(value, '--pubkey'));
      expect(message).toMatch(/^--pubkey: a key is 32 bytes/);
      if (value !== '') expect(message).not.toContain(value);
    }
  });
});

describe('secretFromStdin', () => {
  it('drops one final line break, keeps the rest', async () => {
    expect(secretOfText('s3cret\n')).toBe('s3cret');
    expect(secretOfText('s3cret\r\n')).toBe('s3cret');
    expect(secretOfText(' two words \n\n')).toBe(' two words \n');
    expect(await secretFromStdin('password', Readable.from([Buffer.from('pass'), Buffer.from('word\n')]))).toBe(
      'password',
    );
  });

  it('refuses an empty stdin', async () => {
    await expect(secretFromStdin('password', Readable.from(['\n']))).rejects.toMatchObject({
      exitCode: ExitCode.Usage,
      message: 'no password on stdin',
    });
  });
});

describe('namingRefs', () => {
  const topic = topicRef('home/kitchen');
  const client = clientRef('bob');

  it("names the missing record by the operator's words", async () => {
    expect(notFoundMessage(`no client with id ${client.id}`, [topic, client])).toBe('no client "bob"');
    expect(notFoundMessage(`no topic with hash ${topic.id.toUpperCase()}`, [topic, client])).toBe(
      'no topic "home/kitchen"',
    );
    expect(notFoundMessage('client "bob" is not on topic "home/kitchen"', [topic, client])).toBe(
      'client "bob" is not on topic "home/kitchen"',
    );
    const notFound = new CliError(`no client with id ${client.id}`, ExitCode.NotFound, 'NOT_FOUND');
    await expect(namingRefs([topic, client], () => Promise.reject(notFound))).rejects.toMatchObject({
      message: 'no client "bob"',
      exitCode: ExitCode.NotFound,
      code: 'NOT_FOUND',
    });
    const refused = new CliError(`no client with id ${client.id}`, ExitCode.Refused, 'INVALID_INPUT');
    await expect(namingRefs([topic, client], () => Promise.reject(refused))).rejects.toBe(refused);
  });
});

describe('delivery reports', () => {
  it('are a failure (exit 1) when the broker did not take every command', () => {
    expect(deliverySummary({ sent: 2, delivered: 2, failed: [] })).toBe('2 of 2 commands delivered');
    expect(deliveryFailure({ sent: 2, delivered: 2, failed: [] })).toBeUndefined();
    const failure = deliveryFailure({ sent: 2, delivered: 1, failed: [{ client: 'bob', error: 'broker down' }] });
    expect(failure).toMatchObject({
      exitCode: ExitCode.Refused,
      code: 'DELIVERY_FAILED',
      message: 'the broker did not take 1 of 2 commands: bob (broker down)',
    });
  });
});

describe('limitRows', () => {
  it('puts each quota beside what the tenant uses of it', () => {
    const rows = limitRows({
      limits: {
        maxClients: 10,
        maxTopics: 20,
        maxPolicies: 3,
        maxConcurrentOperations: 4,
        requestsPerMinute: 600,
        eventRetentionDays: 90,
      },
      usage: { clients: 1, topics: 2, policies: 0, operationsInProgress: 1 },
    });
    expect(rows).toEqual([
      { quota: 'clients', used: 1, limit: 10 },
      { quota: 'topics', used: 2, limit: 20 },
      { quota: 'policies', used: 0, limit: 3 },
      { quota: 'operations in progress', used: 1, limit: 4 },
      { quota: 'requests per minute', limit: 600 },
      { quota: 'event retention (days)', limit: 90 },
    ]);
  });
});
