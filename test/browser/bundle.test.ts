/**
 * The protocol core runs in browsers: bundled by esbuild for the browser platform it pulls in no Node built-in, and
 * evaluated in a realm holding only what browsers offer (no process, require or Buffer) it reproduces e4go's bytes.
 */
import { webcrypto } from 'node:crypto';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createContext, runInContext } from 'node:vm';
import { build, type Metafile } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { e4goVectors } from '../support/vectors.js';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const vectors = e4goVectors();

let code: string;
let metafile: Metafile;
let warnings: unknown[];

beforeAll(async () => {
  const result = await build({
    entryPoints: [resolve(root, 'shared/e4/index.ts')],
    absWorkingDir: root,
    bundle: true,
    platform: 'browser',
    format: 'iife',
    globalName: 'E4',
    target: 'es2022',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  code = result.outputFiles[0]!.text;
  metafile = result.metafile;
  warnings = result.warnings;
});

/** A realm with the globals of a browser the library needs, and none of Node's. */
function browserRealm(): object {
  const context = createContext({});
  const RealmUint8Array = runInContext('Uint8Array', context) as Uint8ArrayConstructor;
  const hostEncoder = new TextEncoder();
  // TextEncoder/TextDecoder/crypto come from the host, adapted so that arrays belong to the realm, as in a browser.
  class RealmTextEncoder {
    readonly encoding = 'utf-8';
    encode(input = ''): Uint8Array {
      return new RealmUint8Array(hostEncoder.encode(input));
    }
  }
  Object.assign(context, {
    TextEncoder: RealmTextEncoder,
    TextDecoder,
    crypto: { getRandomValues: <T extends ArrayBufferView>(array: T): T => webcrypto.getRandomValues(array as never) },
  });
  runInContext('globalThis.self = globalThis; globalThis.window = globalThis;', context);
  return context;
}

describe('browser bundle of shared/e4', () => {
  it('builds without warnings, from shared/e4 and @noble only, with no node: import', () => {
    // Act
    const inputs = Object.keys(metafile.inputs);
    const imports = Object.values(metafile.inputs).flatMap((input) => input.imports.map((i) => i.path));

    // Assess
    expect(warnings).toEqual([]);
    expect(inputs.length).toBeGreaterThan(10);
    expect(inputs.filter((path) => path.startsWith('node:'))).toEqual([]);
    expect(imports.filter((path) => path.startsWith('node:'))).toEqual([]);
    expect(inputs.filter((path) => !/^(shared\/e4\/|node_modules\/@noble\/)/.test(path))).toEqual([]);
    expect(inputs.filter((path) => /^shared\/e4\/(node|mqtt)\//.test(path))).toEqual([]);
    expect(code).not.toMatch(/\brequire\(/);
  });

  it('the realm really lacks Node: process, require, Buffer, module and global are undefined', () => {
    // Prepare
    const realm = browserRealm();

    // Act
    const kinds = runInContext(
      '[typeof process, typeof require, typeof Buffer, typeof module, typeof global, typeof setImmediate]',
      realm,
    );

    // Assess
    expect(Array.from(kinds as string[])).toEqual([
      'undefined',
      'undefined',
      'undefined',
      'undefined',
      'undefined',
      'undefined',
    ]);
  });

  it('reproduces the symmetric vectors: protectSymKey at the fixed timestamp equals protected_hex', () => {
    // Prepare
    const realm = browserRealm();
    runInContext(code, realm);
    const messages = (
      vectors.symmetric_messages_fixed as Array<{
        topic_key_hex: string;
        plaintext_hex: string;
        protected_hex: string;
        timestamp: number;
      }>
    ).filter((m) => m.plaintext_hex.length > 0);
    (realm as { messages?: unknown }).messages = JSON.stringify(messages);

    // Act
    const produced = runInContext(
      `JSON.parse(messages).map((m) =>
        E4.bytesToHex(E4.protectSymKey(E4.hexToBytes(m.plaintext_hex), E4.hexToBytes(m.topic_key_hex), { timestamp: m.timestamp })))`,
      realm,
    ) as string[];

    // Assess
    expect(messages.length).toBeGreaterThan(3);
    expect(Array.from(produced)).toEqual(messages.map((m) => m.protected_hex));
  });

  it('runs a client end to end: create, apply an e4go command, protect and unprotect', async () => {
    // Prepare
    const realm = browserRealm();
    runInContext(code, realm);
    const command = vectors.commands.find((c: { name: string }) => c.name === 'sym_SetTopicKey');
    const message = vectors.symmetric_messages_fixed.find(
      (m: { plaintext_hex: string }) => m.plaintext_hex.length > 32,
    );
    Object.assign(realm, {
      input: JSON.stringify({
        key: vectors.identities.symmetric_client.client_sym_key_hex,
        id: vectors.identities.symmetric_client.id_hex,
        command: command.protected_hex,
        ts: vectors.meta.fixed_timestamp,
        plaintext: message.plaintext_hex,
        topic: message.topic,
      }),
    });

    // Act
    const output = (await runInContext(
      `(async () => {
        const i = JSON.parse(input);
        const store = new E4.MemoryStateStore();
        const client = await E4.E4Client.create(
          { mode: 'symmetric', key: E4.hexToBytes(i.key), id: E4.hexToBytes(i.id) },
          { store, clock: E4.fixedClock(i.ts) },
        );
        const result = client.unprotect(E4.hexToBytes(i.command), client.receivingTopic);
        await result.saved;
        const sealed = client.protectMessage(E4.hexToBytes(i.plaintext), i.topic);
        const opened = client.unprotect(sealed, i.topic);
        const random = await E4.E4Client.create({ mode: 'symmetric', key: E4.randomKey() });
        return JSON.stringify({
          engine: E4.getDefaultEngine().name,
          kind: result.kind,
          sealed: E4.bytesToHex(sealed),
          opened: E4.bytesToHex(opened.payload),
          saved: E4.decodeState(await store.load()).topicKeys.length,
          randomId: random.id.length,
        });
      })()`,
      realm,
    )) as string;

    // Assess
    expect(JSON.parse(output)).toEqual({
      engine: 'pure',
      kind: 'command',
      sealed: message.protected_hex,
      opened: message.plaintext_hex,
      saved: 1,
      randomId: 16,
    });
  });
});
