/**
 * `e4c2 device` as subprocesses against local mode: two devices enrolled from the terminal (e4go-format state files
 * and their enrolments, 0600), linked to a topic over HTTP; `listen` prints and acknowledges the C2's SetTopicKey
 * (its receipt reaches the C2), `publish` from one device and `read` in the other carry the plaintext, Ctrl-C ends a
 * `listen` cleanly. And the failures a user meets: no broker given, no device state, a state enrolled already, a
 * topic without a key, nothing read in time.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesToHex, decodeState, hashIdAlias, hashTopic } from '../../shared/e4/node/index.js';
import { type CliC2, cliBin, e4c2, startCliC2 } from '../support/cliRun.js';
import { runProcess, stopProcesses } from '../support/processes.js';
import { recordSecret } from '../support/recordedSecrets.js';

let c2: CliC2;
let broker: Record<string, string>;
beforeAll(async () => {
  c2 = await startCliC2();
  broker = { ...c2.env, E4C2_MQTT_URL: c2.server.mqttUrl };
});
afterAll(async () => {
  stopProcesses();
  await c2?.close();
});

const idOf = (name: string) => bytesToHex(hashIdAlias(name));
const stateOf = (name: string) => join(c2.dir, `${name}.json`);
const modeOf = async (path: string) => (await stat(path)).mode & 0o777;

// biome-ignore lint/suspicious/noExplicitAny: the API's answers, read by the assertions
async function http(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const response = await fetch(`${c2.server.apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${c2.env.E4C2_API_KEY}`, 'content-type': 'application/json' },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, json: await response.json().catch(() => undefined) };
}

describe('e4c2 device', () => {
  it('enrols devices into e4go-format state files, their broker credentials beside them (0600)', {
    timeout: 60_000,
  }, async () => {
    const alice = await e4c2(['device', 'enrol', 'alice', '--state', stateOf('alice'), '--json'], c2.env);
    expect(alice.code).toBe(0);
    expect(alice.json()).toMatchObject({
      client: { name: 'alice', id: idOf('alice'), mode: 'symmetric' },
      state: stateOf('alice'),
      enrolment: join(c2.dir, 'alice.enrolment.json'),
    });
    const bob = await e4c2(['device', 'enrol', 'bob', '--state', stateOf('bob')], c2.env);
    expect(bob).toMatchObject({ code: 0, stderr: '' });
    expect(bob.stdout).toContain(`Enrolled "bob" (symmetric, id ${idOf('bob')}).`);
    const carol = await e4c2(['device', 'enrol', 'carol', '--mode', 'pubkey', '--state', stateOf('carol')], c2.env);
    expect(carol.code).toBe(0);
    expect((await http('GET', `/v1/clients/${idOf('carol')}`)).json).toMatchObject({ mode: 'pubkey' });
    const carolState = decodeState(new Uint8Array(await readFile(stateOf('carol'))));
    expect(carolState.identity.mode).toBe('pubkey');
    if (carolState.identity.mode === 'pubkey') recordSecret(carolState.identity.privateKey);

    const state = decodeState(new Uint8Array(await readFile(stateOf('alice'))));
    expect(state.identity.mode).toBe('symmetric');
    expect(bytesToHex(state.id)).toBe(idOf('alice'));
    if (state.identity.mode === 'symmetric') recordSecret(state.identity.key);
    const enrolment = JSON.parse(await readFile(join(c2.dir, 'alice.enrolment.json'), 'utf8'));
    recordSecret(enrolment.mqtt.password);
    expect(enrolment.mqtt.username).toContain(idOf('alice'));
    for (const file of ['alice.json', 'alice.enrolment.json', 'carol.json', 'carol.enrolment.json']) {
      expect(await modeOf(join(c2.dir, file))).toBe(0o600);
    }

    const again = await e4c2(['device', 'enrol', 'alice', '--state', stateOf('alice')], c2.env);
    expect(again).toMatchObject({ code: 1, stdout: '' });
    expect(again.stderr).toMatch(/^e4c2: .*alice\.json is enrolled already/);
    const other = await e4c2(['device', 'enrol', 'dave', '--state', stateOf('carol')], c2.env);
    expect(other.code).toBe(1);
    const taken = await e4c2(['device', 'enrol', 'alice', '--state', join(c2.dir, 'alice2.json')], c2.env);
    expect(taken).toMatchObject({ code: 1, stdout: '' });
    expect(taken.stderr).toMatch(/^e4c2: ALREADY_EXISTS: .*the C2 knows another "alice"/);
  });

  it('listens to the C2 (SetTopicKey, receipt sent), then carries a message from publish to read', {
    timeout: 90_000,
  }, async () => {
    const topic = 'home/kitchen';
    const topicHash = bytesToHex(hashTopic(topic));
    expect((await http('POST', '/v1/topics', { topic })).status).toBe(201);
    for (const name of ['alice', 'bob']) {
      expect((await http('PUT', `/v1/topics/${topicHash}/clients/${idOf(name)}`)).status).toBe(200);
    }

    const listen = await e4c2(
      ['device', 'listen', '--state', stateOf('alice'), '--count', '1', '--timeout', '20', '--json'],
      broker,
    );
    expect(listen.code).toBe(0);
    expect(
      listen.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line)),
    ).toEqual([{ command: 'SetTopicKey' }]);
    expect(listen.stderr).toContain(`Listening as ${idOf('alice')}`);
    let seen: string | undefined;
    for (let tries = 0; tries < 50 && !seen; tries++) {
      seen = (await http('GET', `/v1/clients/${idOf('alice')}`)).json.lastSeenAt;
      if (!seen) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(seen).toBeDefined(); // the receipt reached the C2

    const read = runProcess(
      process.execPath,
      [cliBin(), 'device', 'read', topic, '--state', stateOf('bob'), '--count', '1', '--timeout', '30'],
      broker,
    );
    await read.waitFor(`Reading ${topic}`);
    const publish = await e4c2(['device', 'publish', topic, 'hello, bob', '--state', stateOf('alice')], broker);
    expect(publish).toMatchObject({ code: 0, stdout: `Published 10 bytes on ${topic}, protected.\n` });
    expect(await read.exited).toBe(0);
    expect(read.stdout()).toBe('hello, bob\n');

    const untilCtrlC = runProcess(process.execPath, [cliBin(), 'device', 'listen', '--state', stateOf('bob')], broker);
    await untilCtrlC.waitFor('Listening as');
    untilCtrlC.child.kill('SIGINT');
    expect(await untilCtrlC.exited).toBe(0); // a clean end on Ctrl-C
  });

  it('fails plainly: no broker (2), no state (1), no key for the topic (1), nothing read in time (1)', {
    timeout: 60_000,
  }, async () => {
    const noBroker = await e4c2(['device', 'listen', '--state', stateOf('alice')], c2.env);
    expect(noBroker).toMatchObject({ code: 2, stderr: 'e4c2: no MQTT broker: give --mqtt-url or set E4C2_MQTT_URL\n' });
    const noState = await e4c2(['device', 'read', 't', '--state', join(c2.dir, 'nobody.json')], broker);
    expect(noState.code).toBe(1);
    expect(noState.stderr).toContain('e4c2 device enrol <name>');
    const noKey = await e4c2(
      ['device', 'publish', 'elsewhere', 'x', '--state', stateOf('alice'), '--timeout', '1'],
      broker,
    );
    expect(noKey).toMatchObject({ code: 1, stdout: '' });
    expect(noKey.stderr).toContain('no key for elsewhere after 1 s');
    const nothing = await e4c2(
      ['device', 'read', 'home/kitchen', '--state', stateOf('bob'), '--count', '1', '--timeout', '1'],
      broker,
    );
    expect(nothing).toMatchObject({
      code: 1,
      stdout: '',
      stderr: expect.stringContaining('0 of 1 messages within 1 s'),
    });
  });
});
