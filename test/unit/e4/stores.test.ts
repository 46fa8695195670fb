/**
 * The two state stores of the library: in memory, and in a file replaced atomically. Real file system, in a fresh
 * temporary folder per test.
 */
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  E4Client,
  E4ErrorCode,
  FileStateStore,
  fixedClock,
  MemoryStateStore,
  utf8,
} from '../../../shared/e4/node/index.js';
import { e4goVectors, hex } from '../../support/vectors.js';
import { watermarksOf, withoutWatermarks } from '../../support/watermarks.js';

const vectors = e4goVectors();
const text = (bytes: Uint8Array | undefined): string | undefined =>
  bytes === undefined ? undefined : new TextDecoder().decode(bytes);

describe('MemoryStateStore', () => {
  it('returns undefined before anything is saved', async () => {
    // Prepare
    const store = new MemoryStateStore();

    // Act
    const loaded = await store.load();

    // Assess
    expect(loaded).toBeUndefined();
  });

  it('returns what was saved last', async () => {
    // Prepare
    const store = new MemoryStateStore();
    await store.save(utf8('first'));

    // Act
    await store.save(utf8('second'));
    const loaded = await store.load();

    // Assess
    expect(text(loaded)).toBe('second');
  });

  it('starts from the document given to its constructor, copied', async () => {
    // Prepare
    const initial = utf8('initial');
    const store = new MemoryStateStore(initial);

    // Act
    initial.fill(0);
    const loaded = await store.load();

    // Assess
    expect(text(loaded)).toBe('initial');
  });

  it('is isolated from the arrays it is given and the arrays it returns', async () => {
    // Prepare
    const store = new MemoryStateStore();
    const saved = utf8('document');
    await store.save(saved);

    // Act
    saved.fill(0x21);
    const firstLoad = await store.load();
    firstLoad!.fill(0x22);
    const secondLoad = await store.load();

    // Assess
    expect(text(secondLoad)).toBe('document');
    expect(secondLoad).not.toBe(firstLoad);
  });

  it('prints as [redacted] in JSON', async () => {
    // Prepare
    const store = new MemoryStateStore(utf8('{"Key":"c2VjcmV0"}'));

    // Act
    const json = JSON.stringify({ store });

    // Assess
    expect(json).toBe('{"store":"[redacted]"}');
  });
});

describe('FileStateStore', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'e4-store-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads undefined when the file does not exist', async () => {
    // Prepare
    const store = new FileStateStore(join(dir, 'state.json'));

    // Act
    const loaded = await store.load();

    // Assess
    expect(loaded).toBeUndefined();
  });

  it('loads what it saved, and the file holds exactly the document', async () => {
    // Prepare
    const path = join(dir, 'state.json');
    const store = new FileStateStore(path);
    const document = utf8('{"ID":"AQID"}\n');

    // Act
    await store.save(document);
    const loaded = await store.load();

    // Assess
    expect(loaded).toEqual(document);
    expect(new Uint8Array(await readFile(path))).toEqual(document);
  });

  it('replaces a longer document with a shorter one without leaving stale bytes', async () => {
    // Prepare
    const path = join(dir, 'state.json');
    const store = new FileStateStore(path);
    await store.save(utf8('x'.repeat(500)));

    // Act
    await store.save(utf8('short'));

    // Assess
    expect(await readFile(path, 'utf8')).toBe('short');
  });

  it('creates the file with mode 0600, and replaces a file of wider mode with a 0600 one', async () => {
    // Prepare
    const path = join(dir, 'state.json');
    const other = join(dir, 'existing.json');
    await writeFile(other, 'old');
    await chmod(other, 0o644);

    // Act
    await new FileStateStore(path).save(utf8('a'));
    await new FileStateStore(other).save(utf8('b'));

    // Assess
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(other)).mode & 0o777).toBe(0o600);
  });

  it('leaves no temporary file behind, even with concurrent saves; the file holds one of them whole', async () => {
    // Prepare
    const path = join(dir, 'state.json');
    const store = new FileStateStore(path);
    const documents = Array.from({ length: 8 }, (_, i) => `document ${i} `.repeat(20 + i));

    // Act
    await store.save(utf8('first'));
    await Promise.all(documents.map((d) => store.save(utf8(d))));

    // Assess
    expect(await readdir(dir)).toEqual(['state.json']);
    expect(documents).toContain(await readFile(path, 'utf8'));
  });

  it('rejects a save whose folder cannot exist (its parent is a regular file), leaving nothing behind', async () => {
    // Prepare
    const file = join(dir, 'not-a-folder');
    await writeFile(file, 'plain file');
    const store = new FileStateStore(join(file, 'state.json'));

    // Act
    const saving = store.save(utf8('document'));

    // Assess
    await expect(saving).rejects.toThrow();
    expect(await readdir(dir)).toEqual(['not-a-folder']);
    expect(await readFile(file, 'utf8')).toBe('plain file');
  });

  it('rejects a save into a folder that does not exist', async () => {
    // Prepare
    const store = new FileStateStore(join(dir, 'missing', 'state.json'));

    // Act
    const saving = store.save(utf8('document'));

    // Assess
    await expect(saving).rejects.toThrow();
    expect(await readdir(dir)).toEqual([]);
  });

  it('rejects a save when the rename fails (the path is a folder) and removes its temporary file', async () => {
    // Prepare
    const path = join(dir, 'state.json');
    await mkdir(path);
    await writeFile(join(path, 'inside'), 'x');
    const store = new FileStateStore(path);

    // Act
    const saving = store.save(utf8('document'));

    // Assess
    await expect(saving).rejects.toThrow();
    expect(await readdir(dir)).toEqual(['state.json']);
    expect(await readdir(path)).toEqual(['inside']);
  });

  it('keeps the previous document whole when a save fails after its temporary file was created', async () => {
    // Prepare: as root, permissions do not stop writes; a document the file API refuses makes the write itself fail
    // after the temporary file is opened, the only fault reachable here without replacing the file system.
    const path = join(dir, 'state.json');
    const store = new FileStateStore(path);
    await store.save(utf8('previous document'));

    // Act
    const saving = store.save({ not: 'bytes' } as unknown as Uint8Array);

    // Assess
    await expect(saving).rejects.toThrow();
    expect(await readFile(path, 'utf8')).toBe('previous document');
    expect(await readdir(dir)).toEqual(['state.json']);
  });

  it('loads a file written by e4go (document + stale bytes) into a working client, and rewrites it clean', async () => {
    // Prepare: the symmetric state file of the vectors, as e4go's never-truncated file store left it
    const file = vectors.state_files.find((f: { mode: string }) => f.mode === 'symmetric');
    const path = join(dir, 'e4go-client.json');
    await writeFile(path, file.file_store_bytes);
    await chmod(path, 0o644);
    const last = file.commands[file.commands.length - 1];

    // Act
    const client = await E4Client.load({ store: new FileStateStore(path), clock: fixedClock(last.now_unix) });
    const result = client.unprotect(hex(last.protected_hex), client.receivingTopic);
    if (result.kind === 'command') await result.saved;

    // Assess
    expect(client.mode).toBe('symmetric');
    expect(Buffer.from(client.id).toString('hex')).toBe(file.fields_decoded.ID_hex);
    expect(client.receivingTopic).toBe(file.fields_decoded.ReceivingTopic);
    expect(client.topicCount).toBe(2);
    expect(client.hasTopicKey('e4/test/topic')).toBe(true);
    expect(result.kind).toBe('command');
    const saved = await readFile(path, 'utf8');
    expect(withoutWatermarks(saved)).toBe(file.state_json);
    expect(watermarksOf(saved)).toEqual({ Topics: { [last.command_plaintext_hex.slice(-32)]: last.now_unix } });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('E4Client.load reports a store that cannot be read as STORAGE_FAILED', async () => {
    // Prepare: a folder where the file should be makes the read fail with EISDIR
    const path = join(dir, 'state.json');
    await mkdir(path);

    // Act
    const loading = E4Client.load({ store: new FileStateStore(path) });

    // Assess
    await expect(loading).rejects.toMatchObject({ code: E4ErrorCode.StorageFailed });
  });
});
