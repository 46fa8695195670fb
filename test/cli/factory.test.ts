/**
 * `e4c2 factory batch` and `e4c2 clients claim` as subprocesses against local mode: a batch registered from a CSV
 * with an SVG label sheet (one QR code and the name and code under it per device) and one generated with a PNG sheet
 * whose first QR code decodes (jsQR) to the first device's code; the codes and keys files 0600; the batch listed,
 * shown, its devices listed; a device claimed by the tenant with its code (on stdin or in a file, never an argument),
 * then refused (409, exit 1); a wrong code (404, exit 4) and a typo (400, exit 1); an unclaimed device deleted; usage
 * errors; files that cannot be written, or exist, refused before anything is registered (--force replaces them, 0600);
 * an append overlapping an earlier run writes codes for the new devices only and lists the held ones (their codes
 * still work), with --reissue-codes gives the held ones new codes (their old codes dead), one naming a held device
 * with another key refused (exit 1, naming it); a run killed midway keeps the codes it got (written as they come);
 * a first call with no answer (504) says a batch may exist;
 * the CLI's batch limit is the API's.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEVICES_PER_CALL } from '../../cli/factory/createFactoryBatch.js';
import { MAX_BATCH_DEVICES } from '../../shared/c2/factory/registerFactoryBatch.js';
import { randomKey, toBase64 } from '../../shared/e4/index.js';
import { type CliC2, cliBin, e4c2, startCliC2 } from '../support/cliRun.js';
import { userEnv } from '../support/processes.js';
import { recordSecret } from '../support/recordedSecrets.js';

// A CommonJS module typed as an ES one: its default export is the function, or the module is.
const jsQR = ((jsQRModule as unknown as { default?: unknown }).default ?? jsQRModule) as typeof jsQRModule.default;

let c2: CliC2;
let platform: Record<string, string>;
beforeAll(async () => {
  c2 = await startCliC2();
  platform = { ...c2.env, E4C2_API_KEY: c2.server.platformKey! };
});
afterAll(() => c2?.close());

interface Batch {
  id: string;
  devices: number;
  claimed: number;
  unclaimed: number;
}

const codesOf = (path: string) =>
  readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => {
      const [name, id, code] = line.split(',') as [string, string, string];
      recordSecret(code);
      return { name, id, code };
    });

describe('e4c2 factory batch', () => {
  it('registers a batch from a CSV with an SVG label sheet, and a tenant claims a device by its code', async () => {
    // Prepare
    const devices = join(c2.dir, 'devices.csv');
    const keys = [randomKey(), randomKey(), randomKey()].map((key) => toBase64(key));
    writeFileSync(devices, `name,key\ncli-fab-1,${keys[0]}\ncli-fab-2,${keys[1]}\ncli-fab-3,${keys[2]}\n`);
    const codesFile = join(c2.dir, 'codes.csv');
    const svgFile = join(c2.dir, 'labels.svg');

    // Act
    const created = await e4c2(
      [
        'factory',
        'batch',
        'create',
        '--name',
        'run 1',
        '--file',
        devices,
        '--codes',
        codesFile,
        '--labels',
        svgFile,
        '--json',
      ],
      platform,
    );

    // Assess
    expect(created.code, created.stderr).toBe(0);
    expect(created.stderr).toContain('shown once');
    const batch = created.json<Batch>();
    expect(batch).toMatchObject({ devices: 3, claimed: 0, unclaimed: 3 });
    expect(statSync(codesFile).mode & 0o777).toBe(0o600);
    const codes = codesOf(codesFile);
    expect(codes.map((c) => c.name)).toEqual(['cli-fab-1', 'cli-fab-2', 'cli-fab-3']);
    const svg = readFileSync(svgFile, 'utf8');
    expect(svg).toMatch(/^<\?xml[^>]*>\n<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="210mm" height="297mm"/);
    expect(svg.match(/<svg class="qr"/g)).toHaveLength(3);
    for (const { name, code } of codes) {
      expect(svg).toContain(`>${name}</text>`);
      expect(svg).toContain(`>${code}</text>`);
    }
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    for (const key of keys) expect(created.stdout + svg).not.toContain(key);

    // A tenant claims the first device
    const [first, second] = codes as [(typeof codes)[0], (typeof codes)[0]];
    const claimed = await e4c2(['clients', 'claim', '--code', '-', '--json'], c2.env, {
      input: `${first.code.toLowerCase()}\n`,
    });
    expect(claimed.code, claimed.stderr).toBe(0);
    expect(claimed.json<{ client: { name: string; rekeyOnReturn: boolean } }>().client).toMatchObject({
      name: 'cli-fab-1',
      rekeyOnReturn: true,
    });
    const codeFile = join(c2.dir, 'claim-code.txt');
    writeFileSync(codeFile, `${first.code}\n`);
    const again = await e4c2(['clients', 'claim', '--code-file', codeFile], c2.env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('CLAIM_USED');
    const typo = `${second.code.slice(0, -1)}${second.code.endsWith('0') ? '1' : '0'}`;
    const mistyped = await e4c2(['clients', 'claim', '--code', '-'], c2.env, { input: typo });
    expect(mistyped.code).toBe(1);
    expect(mistyped.stderr).toContain('typo');
    const unknown = await e4c2(['clients', 'claim', '--code', '-'], c2.env, { input: `${'0'.repeat(24)}0` });
    expect(unknown.code).toBe(4);
    const inArgv = await e4c2(['clients', 'claim', '--code', second.code], c2.env);
    expect(inArgv.code).toBe(2);
    expect(inArgv.stderr).not.toContain(second.code);
    expect((await e4c2(['clients', 'claim', second.code], c2.env)).code).toBe(2);

    // The manufacturer's view, and an unclaimed device deleted
    const shown = (await e4c2(['factory', 'batch', 'get', batch.id, '--json'], platform)).json<Batch>();
    expect(shown).toMatchObject({ devices: 3, claimed: 1, unclaimed: 2 });
    const listed = await e4c2(['factory', 'batch', 'list'], platform);
    expect(listed.stdout).toContain(batch.id);
    const deviceList = await e4c2(['factory', 'batch', 'devices', batch.id, '--json'], platform);
    expect(deviceList.json<{ name: string; status: string }[]>().map((d) => d.status)).toEqual(
      expect.arrayContaining(['claimed', 'unclaimed']),
    );
    const deleted = await e4c2(['factory', 'batch', 'delete-device', batch.id, 'cli-fab-2', '--json'], platform);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect((await e4c2(['clients', 'claim', '--code', '-'], c2.env, { input: second.code })).code).toBe(4);
  });

  it('generates devices, writes their keys (0600) and a PNG label sheet whose QR codes decode to the codes', async () => {
    const codesFile = join(c2.dir, 'gen-codes.csv');
    const keysFile = join(c2.dir, 'gen-keys.csv');
    const pngFile = join(c2.dir, 'labels.png');

    const created = await e4c2(
      [
        'factory',
        'batch',
        'create',
        '--name',
        'run 2',
        '--generate',
        '4',
        '--prefix',
        'gen-',
        '--keys-out',
        keysFile,
        '--codes',
        codesFile,
        '--labels',
        pngFile,
        '--json',
      ],
      platform,
    );

    expect(created.code, created.stderr).toBe(0);
    expect(statSync(keysFile).mode & 0o777).toBe(0o600);
    const keyLines = readFileSync(keysFile, 'utf8').trim().split('\n');
    expect(keyLines[0]).toBe('name,key');
    expect(keyLines.slice(1).map((line) => line.split(',')[0])).toEqual([
      'gen-0001',
      'gen-0002',
      'gen-0003',
      'gen-0004',
    ]);
    for (const line of keyLines.slice(1)) recordSecret(line.split(',')[1]!);
    const codes = codesOf(codesFile);
    const png = PNG.sync.read(readFileSync(pngFile));
    expect([png.width, png.height]).toEqual([210 * 8, 297 * 8]);
    // The first label: the top-left 70 x 42 mm of the page.
    const width = 70 * 8;
    const height = 42 * 8;
    const top = Math.round(((297 - 7 * 42) / 2) * 8);
    const crop = new Uint8ClampedArray(width * height * 4);
    for (let row = 0; row < height; row++) {
      crop.set(png.data.subarray((top + row) * png.width * 4, ((top + row) * png.width + width) * 4), row * width * 4);
    }
    expect(jsQR(crop, width, height)?.data).toBe(codes[0]!.code);
  });

  it("registers 250 devices in calls of 100 with every code in one file; append adds more, keeps held ones' codes (new ones only with --reissue-codes), refuses other keys", async () => {
    // Prepare
    const codesFile = join(c2.dir, 'many-codes.csv');
    const keysFile = join(c2.dir, 'many-keys.csv');
    const moreFile = join(c2.dir, 'more-devices.csv');
    const moreCodes = join(c2.dir, 'more-codes.csv');
    const againCodes = join(c2.dir, 'again-codes.csv');
    const rekeyedFile = join(c2.dir, 'rekeyed-devices.csv');

    // Act
    const created = await e4c2(
      ['factory', 'batch', 'create', '--name', 'run 250', '--generate', '250', '--prefix', 'many-', '--json'].concat([
        '--keys-out',
        keysFile,
        '--codes',
        codesFile,
      ]),
      platform,
    );
    const batch = created.json<Batch>();
    const codes = codesOf(codesFile);
    const keys = readFileSync(keysFile, 'utf8').trim().split('\n').slice(1);
    writeFileSync(moreFile, `name,key\n${keys.slice(248).join('\n')}\nmany-extra,${toBase64(randomKey())}\n`);
    // A file overlapping the first run: the held devices keep their codes (labels may be printed).
    const appended = await e4c2(
      ['factory', 'batch', 'append', batch.id, '--file', moreFile, '--codes', moreCodes, '--json'],
      platform,
    );
    const heldNames = keys.slice(248).map((line) => line.split(',')[0]!);
    // Part of it made again with --reissue-codes, as after an answer that never came: new codes.
    const lostFile = join(c2.dir, 'lost-devices.csv');
    writeFileSync(lostFile, `name,key\n${keys[249]}\n${readFileSync(moreFile, 'utf8').trim().split('\n').at(-1)}\n`);
    const again = await e4c2(
      ['factory', 'batch', 'append', batch.id, '--file', lostFile, '--codes', againCodes, '--reissue-codes'],
      platform,
    );
    writeFileSync(
      rekeyedFile,
      `name,key\n${keys[1]!.split(',')[0]},${toBase64(randomKey())}\nmany-new,${toBase64(randomKey())}\n`,
    );
    const rekeyed = await e4c2(
      ['factory', 'batch', 'append', batch.id, '--file', rekeyedFile, '--codes', join(c2.dir, 'rekeyed-codes.csv')],
      platform,
    );
    const shown = (await e4c2(['factory', 'batch', 'get', batch.id, '--json'], platform)).json<Batch>();
    const noBatch = await e4c2(
      ['factory', 'batch', 'append', 'ffffffffffffffff', '--file', moreFile, '--codes', join(c2.dir, 'none.csv')],
      platform,
    );

    // Assess
    expect(created.code, created.stderr).toBe(0);
    expect(batch.devices).toBe(250);
    expect(codes).toHaveLength(250);
    expect(new Set(codes.map((c) => c.code)).size).toBe(250);
    expect(codes.map((c) => c.name)).toEqual(keys.map((line) => line.split(',')[0]));
    expect(appended.code, appended.stderr).toBe(0);
    expect(appended.stderr).toContain(
      `2 device(s) held already: no new code (earlier codes still work): ${heldNames.join(', ')}`,
    );
    expect(appended.stderr).toContain('--reissue-codes');
    expect(appended.stderr).toContain(`e4c2 factory batch new-code ${batch.id} <device>`);
    expect(appended.stderr).not.toContain('got new codes');
    const more = codesOf(moreCodes);
    expect(more.map((c) => c.name)).toEqual(['many-extra']);
    expect(again.code, again.stderr).toBe(0);
    const reran = codesOf(againCodes);
    expect(again.stderr).toContain('2 device(s) the batch held already got new codes');
    expect(reran.map((c) => c.name).sort()).toEqual([heldNames[1], 'many-extra'].sort());
    for (const { name, code } of reran) expect([...codes, ...more].find((c) => c.name === name)!.code).not.toBe(code);
    expect(rekeyed.code).toBe(1);
    expect(rekeyed.stderr).toMatch(/e4c2: ALREADY_EXISTS: .*another key/);
    expect(rekeyed.stderr).toContain(`${keys[1]!.split(',')[0]}: the batch holds it with another key`);
    expect(rekeyed.stderr).not.toContain('many-new');
    expect(shown).toMatchObject({ devices: 251, unclaimed: 251 });
    // The held device that was not reissued keeps its first code.
    const heldCode = codes.find((c) => c.name === heldNames[0])!.code;
    const keptCode = await e4c2(['clients', 'claim', '--code', '-'], c2.env, { input: `${heldCode}\n` });
    expect(keptCode.code, keptCode.stderr).toBe(0);
    // The first code of a reissued device no longer claims it; the last one does.
    const tenant = c2.env;
    const deadCode = await e4c2(['clients', 'claim', '--code', '-'], tenant, { input: `${more[0]!.code}\n` });
    const liveCode = await e4c2(['clients', 'claim', '--code', '-', '--json'], tenant, {
      input: `${reran.find((c) => c.name === more[0]!.name)!.code}\n`,
    });
    const newCode = await e4c2(['factory', 'batch', 'new-code', batch.id, keys[2]!.split(',')[0]!, '--json'], platform);
    const reissued = newCode.json<{ name: string; code: string }>();
    recordSecret(reissued.code);
    expect(newCode.code, newCode.stderr).toBe(0);
    expect(reissued.name).toBe(keys[2]!.split(',')[0]);
    expect(reissued.code).toMatch(/^([0-9A-HJKMNP-TV-Z]{5}-){4}[0-9A-HJKMNP-TV-Z]{5}$/);
    expect(newCode.stderr).toContain('shown this once');
    expect(deadCode.code, deadCode.stderr).toBe(4);
    expect(liveCode.code, liveCode.stderr).toBe(0);
    expect(noBatch.code).toBe(4);
    expect(noBatch.stderr).toContain('no factory batch ffffffffffffffff');
  });

  it('refuses bad usage: no devices, a bad CSV, a labels file of another kind', async () => {
    const codesFile = join(c2.dir, 'never.csv');
    const none = await e4c2(['factory', 'batch', 'create', '--name', 'x', '--codes', codesFile], platform);
    expect(none.code).toBe(2);
    const bad = join(c2.dir, 'bad.csv');
    writeFileSync(bad, 'name,key\nd-1,not-a-key\n');
    const badCsv = await e4c2(
      ['factory', 'batch', 'create', '--name', 'x', '--file', bad, '--codes', codesFile],
      platform,
    );
    expect(badCsv.code).toBe(2);
    expect(badCsv.stderr).toContain('line 2');
    expect(badCsv.stderr).not.toContain('not-a-key');
    const pdf = await e4c2(
      [
        'factory',
        'batch',
        'create',
        '--name',
        'x',
        '--generate',
        '1',
        '--prefix',
        'p',
        '--keys-out',
        join(c2.dir, 'k'),
        '--codes',
        codesFile,
        '--labels',
        'x.pdf',
      ],
      platform,
    );
    expect(pdf.code).toBe(2);
    const asTenant = await e4c2(['factory', 'batch', 'list'], c2.env);
    expect(asTenant.code).toBe(3);
    expect(() => statSync(codesFile)).toThrow();
  });

  it('refuses files it cannot make, or that exist, before registering; --force replaces them, 0600', async () => {
    const devices = join(c2.dir, 'files.csv');
    writeFileSync(devices, `name,key\nfiles-1,${toBase64(randomKey())}\n`);
    const create = (extra: string[]) =>
      e4c2(['factory', 'batch', 'create', '--name', 'files', '--file', devices, '--json', ...extra], platform);
    const countBefore = (await e4c2(['factory', 'batch', 'list', '--all', '--json'], platform)).json<Batch[]>().length;

    const noFolder = await create(['--codes', join(c2.dir, 'missing', 'codes.csv')]);
    const existing = join(c2.dir, 'existing-codes.csv');
    writeFileSync(existing, 'earlier codes\n');
    const exists = await create(['--codes', existing]);
    const kept = readFileSync(existing, 'utf8');
    const labelsFile = join(c2.dir, 'existing-labels.svg');
    writeFileSync(labelsFile, 'old sheet');
    chmodSync(labelsFile, 0o644);
    const labelsExist = await create(['--codes', join(c2.dir, 'files-codes.csv'), '--labels', labelsFile]);
    const countBetween = (await e4c2(['factory', 'batch', 'list', '--all', '--json'], platform)).json<Batch[]>().length;
    const forced = await create(['--codes', existing, '--labels', labelsFile, '--force']);

    expect(noFolder.code).toBe(2);
    expect(noFolder.stderr).toContain('--codes');
    expect(exists.code).toBe(2);
    expect(exists.stderr).toContain('--force');
    expect(kept).toBe('earlier codes\n');
    expect(labelsExist.code).toBe(2);
    expect(() => statSync(join(c2.dir, 'files-codes.csv'))).toThrow();
    expect(countBetween).toBe(countBefore);
    expect(forced.code, forced.stderr).toBe(0);
    expect(codesOf(existing).map((c) => c.name)).toEqual(['files-1']);
    expect(statSync(existing).mode & 0o777).toBe(0o600);
    expect(statSync(labelsFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(labelsFile, 'utf8')).toContain('files-1');
  });

  it('writes the codes of each call as they come: a run killed midway keeps the codes it got', async () => {
    // Prepare
    const codesFile = join(c2.dir, 'killed-codes.csv');
    const child = spawn(
      process.execPath,
      [cliBin(), 'factory', 'batch', 'create', '--name', 'killed', '--generate', '300', '--prefix', 'killed-'].concat([
        '--keys-out',
        join(c2.dir, 'killed-keys.csv'),
        '--codes',
        codesFile,
      ]),
      { env: { ...userEnv(), ...platform }, stdio: 'ignore' },
    );
    const closed = new Promise<NodeJS.Signals | null>((resolve) =>
      child.once('close', (_code, signal) => resolve(signal)),
    );

    // Act: killed (SIGKILL: no cleanup) as soon as the first call's codes are in the file
    const deadline = Date.now() + 60_000;
    while (!existsSync(codesFile) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    child.kill('SIGKILL');
    const signal = await closed;

    // Assess
    expect(signal).toBe('SIGKILL');
    const kept = codesOf(codesFile);
    expect(kept.length).toBeGreaterThanOrEqual(DEVICES_PER_CALL);
    expect(kept.length).toBeLessThan(300);
    expect(kept[0]!.name).toBe('killed-0001');
    for (const { code } of kept) expect(code).toMatch(/^([0-9A-HJKMNP-TV-Z]{5}-){4}[0-9A-HJKMNP-TV-Z]{5}$/);
    expect(statSync(codesFile).mode & 0o777).toBe(0o600);
  });

  it('says a batch may exist when the first call of a create gets no answer', async () => {
    // Prepare: an injected fault, a gateway that times out (API Gateway's 504 after 30 s: not caused otherwise).
    const gateway = createServer((_request, response) => {
      response.writeHead(504, { 'content-type': 'application/json' });
      response.end('{"message":"Endpoint request timed out"}');
    });
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    const { port } = gateway.address() as AddressInfo;
    const devices = join(c2.dir, 'timeout-devices.csv');
    writeFileSync(devices, `name,key\ntimeout-1,${toBase64(randomKey())}\n`);

    // Act
    const timedOut = await e4c2(
      ['factory', 'batch', 'create', '--name', 'slow', '--file', devices, '--codes', join(c2.dir, 'timeout.csv')],
      { ...platform, E4C2_API_URL: `http://127.0.0.1:${port}` },
    ).finally(() => gateway.close());

    // Assess
    expect(timedOut.code, timedOut.stderr).toBe(5);
    expect(timedOut.stderr).toContain('may have been registered all the same');
    expect(timedOut.stderr).toContain('e4c2 factory batch list');
    expect(existsSync(join(c2.dir, 'timeout.csv'))).toBe(false);
  });

  it("sends as many devices a call as the API takes (docs/openapi.json's maxItems)", () => {
    const openapi = JSON.parse(readFileSync('docs/openapi.json', 'utf8'));
    const body = openapi.paths['/v1/factory-batches'].post.requestBody.content['application/json'].schema;
    const append = openapi.paths['/v1/factory-batches/{batchId}/devices'].post.requestBody.content['application/json'];
    expect(body.properties.devices.maxItems).toBe(MAX_BATCH_DEVICES);
    expect(append.schema.properties.devices.maxItems).toBe(MAX_BATCH_DEVICES);
    expect(DEVICES_PER_CALL).toBe(MAX_BATCH_DEVICES);
  });
});
