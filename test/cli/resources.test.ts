/**
 * The CLI's resource commands run as a subprocess against local mode, the operator's walk: clients created with a
 * generated key, a password and a public key, topics, links by name, lists and records as JSON, a rotation and an
 * unlink followed to their end, deletions; then the failures: unknown names (exit 4, named), malformed keys and
 * arguments (exit 2, nothing sent), and a 202 command's `--json` being the API's answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Schemas } from '../../cli/api/Api.js';
import { type CliC2, e4c2, startCliC2 } from '../support/cliRun.js';
import { recordSecret } from '../support/recordedSecrets.js';

type Operation = Schemas['Operation'];

let c2: CliC2;
beforeAll(async () => {
  c2 = await startCliC2();
});
afterAll(() => c2?.close());

const run = (args: readonly string[], input?: string) => e4c2(args, c2.env, input === undefined ? {} : { input });

/** A run expected to succeed, its `--json` output parsed. */
async function json<T>(args: readonly string[], input?: string): Promise<T> {
  const done = await run([...args, '--json'], input);
  expect(done.stderr.replace(/^.*shown this once.*\n/m, '')).toBe('');
  expect(done.code).toBe(0);
  return done.json<T>();
}

/** A CLI run costs ~0.8 s on a quiet machine, several times that on a loaded one. */
const SLOW = 300_000;

const PUBKEY = '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c';
const PASSWORD = 'correct horse battery staple';

describe('e4c2 clients, topics and links', () => {
  it(
    "walks the operator's way: create, link, list, rotate, unlink, delete",
    async () => {
      const topic = await run(['topics', 'create', 'home/kitchen']);
      expect(topic).toMatchObject({ code: 0, stderr: '' });
      expect(topic.stdout).toBe(
        'Created topic "home/kitchen": hash a992900f32d6bd60fa252a7e18074438, key version 1.\n',
      );

      // a generated key, shown once (table: base64 and hex) with the broker password
      const alice = await run(['clients', 'create', 'alice']);
      expect(alice.code).toBe(0);
      const shown = /^key \(base64\): +(\S{44})$/m.exec(alice.stdout)?.[1];
      expect(shown).toBeDefined();
      recordSecret(shown!);
      expect(alice.stdout).toContain(`key (hex):     ${Buffer.from(shown!, 'base64').toString('hex')}`);
      expect(alice.stdout).toMatch(/^MQTT password: \S+$/m);
      recordSecret(/^MQTT password: (\S+)$/m.exec(alice.stdout)![1]!);
      expect(alice.stderr).toBe('The key and MQTT password above are shown this once: store them now.\n');

      // a password from stdin, linked at once; the answer's JSON with the links
      type Created = { client: Schemas['Client']; key?: string; mqtt?: object; links?: { delivery: object }[] };
      const bob = await json<Created>(
        ['clients', 'create', 'bob', '--password-stdin', '--link', 'home/kitchen'],
        `${PASSWORD}\n`,
      );
      expect(bob.client).toMatchObject({ name: 'bob', id: 'b5d577dc9ce59725e29886632e69ecdf', mode: 'symmetric' });
      expect(bob.key).toBeUndefined();
      expect(bob.links).toEqual([
        {
          topic: 'home/kitchen',
          client: 'bob',
          keyVersion: 1,
          delivery: { sent: 1, delivered: 1, failed: [] },
        },
      ]);

      // a public key (hex on the command line, base64 to the API), in its own topic (a topic's clients share a mode)
      const carol = await json<Created>(['clients', 'create', 'carol', '--pubkey', PUBKEY]);
      expect(carol.client).toMatchObject({ name: 'carol', mode: 'pubkey' });
      expect(carol.key).toBeUndefined();

      // links by name, several at once (alice again: idempotent, the key sent again)
      const links = await json<{ client: string; keyVersion: number }[]>([
        'topics',
        'link',
        'home/kitchen',
        'alice',
        'bob',
      ]);
      expect(links.map((l) => [l.client, l.keyVersion])).toEqual([
        ['alice', 1],
        ['bob', 1],
      ]);
      const onTopic = await json<{ name: string; id: string }[]>(['topics', 'clients', 'home/kitchen']);
      expect(onTopic.map((c) => c.name).sort()).toEqual(['alice', 'bob']);
      expect((await json<Schemas['Topic'][]>(['topics', 'list'])).map((t) => t.topic)).toEqual(['home/kitchen']);
      const ofAlice = await json<Schemas['TopicOfClient'][]>(['clients', 'topics', 'alice']);
      expect(ofAlice).toEqual([{ topic: 'home/kitchen', hash: 'a992900f32d6bd60fa252a7e18074438', keyVersion: 1 }]);

      // a rotation followed to its end; the topic (by its hash) on the new key
      const rotated = await json<Operation>(['topics', 'rotate', 'home/kitchen', '--wait']);
      expect(rotated).toMatchObject({ kind: 'topic.rotate', status: 'succeeded', counts: { total: 2, failed: 0 } });
      const kitchen = await json<{ keyVersion: number; clientCount: number }>([
        'topics',
        'get',
        'a992900f32d6bd60fa252a7e18074438',
      ]);
      expect(kitchen).toMatchObject({ keyVersion: rotated.keyVersion, clientCount: 2 });

      // bob off the topic, followed: an array of finished operations; in table form a summary line
      const unlinked = await json<Operation[]>(['topics', 'unlink', 'home/kitchen', 'bob', '--wait']);
      expect(unlinked).toHaveLength(1);
      expect(unlinked[0]).toMatchObject({ kind: 'link.delete', status: 'succeeded' });
      expect((await json<{ name: string }[]>(['topics', 'clients', 'home/kitchen'])).map((c) => c.name)).toEqual([
        'alice',
      ]);

      const deleted = await run(['clients', 'delete', 'bob', '--wait']);
      expect(deleted.code).toBe(0);
      expect(deleted.stdout).toMatch(/^Operation \w{26} succeeded: /);
      expect(await run(['clients', 'get', 'bob'])).toMatchObject({
        code: 4,
        stderr: 'e4c2: NOT_FOUND: no client "bob"\n',
      });
      const topicDeleted = await json<Operation>(['topics', 'delete', 'home/kitchen', '--wait']);
      expect(topicDeleted).toMatchObject({ kind: 'topic.delete', status: 'succeeded' });
      expect(await json<{ clients: number; topics: number }>(['stats'])).toEqual({ clients: 2, topics: 0 });
    },
    SLOW,
  );

  it(
    "prints a 202 command's API answer as JSON, and C2 key, limits and public keys",
    async () => {
      await json(['topics', 'create', 'lab/door']);
      const rotation = await json<{ operation: Operation; topic: Schemas['Topic'] }>(['topics', 'rotate', 'lab/door']);
      expect(Object.keys(rotation).sort()).toEqual(['operation', 'topic']);
      expect(rotation.topic).toMatchObject({ topic: 'lab/door', keyVersion: 1 });
      expect(rotation.operation).toMatchObject({ kind: 'topic.rotate', target: { type: 'topic', name: 'lab/door' } });
      expect(rotation.operation.id).toMatch(/^[0-9A-Z]{26}$/);

      const c2key = await json<Schemas['C2Key']>(['c2key', 'show']);
      const c2Rotation = await json<{ operation: Operation; c2Key: Schemas['C2Key'] }>(['c2key', 'rotate']);
      expect(c2Rotation).toMatchObject({
        operation: { kind: 'c2key.rotate' },
        c2Key: { fingerprint: c2key.fingerprint },
      });

      const limits = await json<{ limits: { maxClients: number }; usage: { topics: number } }>(['limits']);
      expect(limits.usage.topics).toBeGreaterThanOrEqual(1);
      const table = await run(['limits']);
      expect(table.stdout).toMatch(new RegExp(`^topics +${limits.usage.topics} +\\d+$`, 'm'));

      // public keys by hand between two public-key clients (dan's given as base64)
      await json(['clients', 'create', 'dan', '--pubkey', Buffer.from(PUBKEY, 'hex').toString('base64')]);
      expect(await json(['pubkeys', 'send', 'carol', 'dan'])).toEqual({
        delivery: { sent: 1, delivered: 1, failed: [] },
      });
      const removed = await run(['pubkeys', 'remove', 'carol', 'dan']);
      expect(removed).toMatchObject({
        code: 0,
        stdout: 'Took the public key of client "dan" back from client "carol": 1 of 1 command delivered.\n',
      });
    },
    SLOW,
  );

  it(
    'exits 4 naming what is missing',
    async () => {
      const cases: [string[], string][] = [
        [['clients', 'delete', 'nobody'], 'no client "nobody"'],
        [['topics', 'rotate', 'no/where'], 'no topic "no/where"'],
        [['topics', 'unlink', 'lab/door', 'alice'], 'client "alice" is not on topic "lab/door"'],
        [['topics', 'link', 'lab/door', 'alice', 'nobody'], 'no client "nobody"'],
        [['pubkeys', 'send', 'nobody', 'carol'], 'no client "nobody"'],
        [['clients', 'create', 'erin', '--link', 'no/where'], 'no topic "no/where": create it first'],
      ];
      for (const [args, message] of cases) {
        const done = await run(args);
        expect({ args, code: done.code }).toEqual({ args, code: 4 });
        expect(done.stderr).toContain(`e4c2: NOT_FOUND: ${message}`);
      }
      // the link of alice went through before nobody's failed (its answer printed), erin was not created
      expect((await json<{ name: string }[]>(['topics', 'clients', 'lab/door'])).map((c) => c.name)).toEqual(['alice']);
      expect((await run(['clients', 'get', 'erin'])).code).toBe(4);
    },
    SLOW,
  );

  it(
    'exits 2 for a malformed key or argument, without a request; 1 for what the API refuses',
    async () => {
      const key = 'a'.repeat(63);
      const cases: [string[], RegExp, string?][] = [
        [['clients', 'create', 'erin', '--key', '-'], /^e4c2: --key: a key is 32 bytes, as 64 hex characters/, key],
        [['clients', 'create', 'erin', '--key', `${'00'.repeat(32)}`], /--key takes - \(the key on stdin\)/],
        [['clients', 'create', 'erin', '--password', 'on the command line'], /--password takes -/],
        [['clients', 'create', 'erin', '--pubkey', 'AAAA'], /^e4c2: --pubkey: a key is 32 bytes/],
        [['clients', 'create', 'erin', '--key', '-', '--password-stdin'], /cannot be used with/],
        [['clients', 'create', 'a992900f32d6bd60fa252a7e18074438'], /reads as an id: write name:a992900f/],
        [['topics', 'get', 'name:'], /a name is required after "name:"/],
        [['clients', 'create', 'erin', '--password-stdin'], /no password on stdin/],
      ];
      for (const [args, message, input] of cases) {
        const done = await run(args, input);
        expect({ args, code: done.code }).toEqual({ args, code: 2 });
        expect(done.stderr).toMatch(message);
        expect(done.stderr).not.toContain(key);
      }
      const short = await run(['clients', 'create', 'erin', '--password', '-'], 'short\n');
      expect(short.code).toBe(1);
      expect(short.stderr).toMatch(/^e4c2: INVALID_INPUT: .*at least 16 characters/);
      expect((await run(['clients', 'get', 'erin'])).code).toBe(4);
    },
    SLOW,
  );
});

describe('e4c2 whoami and clients behind', () => {
  it(
    'shows the key in use (admin of the local tenant), and the clients behind: one on a topic it never confirmed',
    async () => {
      // Prepare: a client linked to a topic, its device never connected
      await json(['clients', 'create', 'behind-1']);
      await json(['topics', 'create', 'behind/topic']);
      expect((await run(['topics', 'link', 'behind/topic', 'behind-1'])).code).toBe(0);

      // Act
      const me = await json<{ scope: string; keyId: string; tenantId: string }>(['whoami']);
      const behind = await json<{ name: string; topics: { topic: string }[] }[]>(['clients', 'behind', '--all']);
      const table = await run(['clients', 'behind']);

      // Assess
      expect(me.scope).toBe('admin');
      expect(me.keyId).toMatch(/^[0-9a-f]{16}$/);
      expect(me).not.toHaveProperty('secretHash');
      expect(behind.find((item) => item.name === 'behind-1')?.topics.map((t) => t.topic)).toEqual(['behind/topic']);
      expect(table.code).toBe(0);
      expect(table.stdout).toContain('behind/topic v1');
    },
    SLOW,
  );
});
