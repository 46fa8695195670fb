/**
 * The README's quick start, run as written: the `sh` blocks of its "Quick start" section, read from README.md.
 * `npm start` through the real npm, the two device blocks as shell processes (typed into on stdin), the operator's
 * block as a shell script running the real CLI (`npx e4c2`, reading the profile `npm start` wrote). Only the environment differs from a user's terminal: other ports (free
 * ones: the default ports may be taken on this machine), the state folders in a temp folder, the admin key in place
 * of `<admin key>`. The walkthrough runs twice in a row on the same folders, as a user who comes back would.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { freePort } from '../support/freePort.js';
import { ROOT, runProcess, stopProcesses } from '../support/processes.js';

/** The `sh` blocks of the README's Quick start section, in order. */
function quickStartBlocks(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(
    readme.indexOf('## Quick start'),
    readme.indexOf('\n## ', readme.indexOf('## Quick start') + 1),
  );
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
}

const folders: string[] = [];
afterAll(async () => {
  stopProcesses();
  await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
});

function adminKeyIn(output: string): string | undefined {
  return /Admin API key: (\S+)/.exec(output)?.[1];
}

it('the README walkthrough works as written, twice in a row from the same folders, on other ports', async () => {
  // Prepare
  const blocks = quickStartBlocks();
  expect(blocks).toHaveLength(4);
  const [startBlock, aliceBlock, bobBlock, cliBlock] = blocks as [string, string, string, string];
  expect(startBlock.trim().split('\n')).toEqual(['npm ci', 'npm start']); // npm ci: done for this worktree
  // Nothing to paste: the devices and the CLI find the key in the profile \`npm start\` wrote.
  for (const block of blocks) expect(block).not.toMatch(/E4C2_API_KEY|<admin key>/);
  const folder = await mkdtemp(join(tmpdir(), 'e4c2-quick-'));
  folders.push(folder);
  const env = {
    E4C2_PORT: String(await freePort()),
    E4C2_MQTT_PORT: String(await freePort()),
    E4C2_STATE_DIR: join(folder, 'c2'),
    E4C2_DEVICES_DIR: join(folder, 'devices'),
    E4C2_CONFIG: join(folder, 'cli', 'config.json'), // local mode writes its keys as CLI profiles there
  };
  let adminKey: string | undefined;

  for (const round of [1, 2]) {
    // Act: the C2, then the two devices.
    const c2 = runProcess('npm', ['start'], env);
    await c2.waitFor('Ctrl-C stops.');
    adminKey ??= adminKeyIn(c2.output());
    expect(adminKey, `round ${round}: ${c2.output()}`).toBeDefined();
    const alice = runProcess('sh', ['-c', aliceBlock], env);
    const bob = runProcess('sh', ['-c', bobBlock], env);
    for (const device of [alice, bob]) {
      await device.waitFor('C2 command applied: SetTopicKey');
      await device.waitFor('type a line');
    }
    alice.child.stdin.write(`hello from alice ${round}\n`);
    await bob.waitFor(`[bob] received: hello from alice ${round}`);
    bob.child.stdin.write(`hello from bob ${round}\n`);
    await alice.waitFor(`[alice] received: hello from bob ${round}`);

    // Act: rotate, take bob off the topic, read the events.
    const applied = 'C2 command applied: SetTopicKey';
    const setTopicKeys = alice.output().split(applied).length - 1;
    const cli = runProcess('sh', ['-c', cliBlock], env);
    expect(await cli.exited).toBe(0);
    // The rotation, then the revocation's two (a throw-away key, then the new key).
    await alice.waitFor(applied, setTopicKeys + 3);
    await bob.waitFor('C2 command applied: RemoveTopic');
    bob.child.stdin.write('is anyone there\n');
    await bob.waitFor('[bob] no key for home/kitchen yet');
    alice.child.stdin.end();
    bob.child.stdin.end();
    const deviceExits = await Promise.all([alice.exited, bob.exited]);
    c2.child.kill('SIGTERM'); // to npm, as a process manager would
    await c2.exited;
    await c2.waitFor('e4c2 local mode stopped.');

    // Assess
    expect(deviceExits).toEqual([0, 0]);
    const operator = cli.output();
    expect(operator).toMatch(/^alice\s+[0-9a-f]{32}\s+symmetric/m); // clients list
    // the rotation, followed to its end (alice and bob), then the revocation's (alice)
    expect(operator).toMatch(/^Operation \w{26} succeeded: 2 devices, .* 0 failed/m);
    expect(operator).toMatch(/^Took "bob" off "home\/kitchen": operation \w{26} succeeded: 1 device, .* 0 failed/m);
    expect(operator).toContain('topic.rotate'); // operations list
    expect(operator).toContain('link.delete');
    expect(adminKeyIn(c2.output()) === undefined).toBe(round === 2); // shown on the first start only
  }
}, 240_000);
