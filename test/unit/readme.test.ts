/**
 * The README's device-library example runs as written (with `e4c2/client` resolved to the sources), in a
 * temporary folder, and prints what the README says it prints; run again in the same folder (a device rebooting),
 * it loads what the first run saved and works the same.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it, vi } from 'vitest';

const root = new URL('../..', import.meta.url);
let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

it('the device-library example of the README prints 21.5, and again when run a second time in the same folder', async () => {
  // Prepare: the first TypeScript block marked "README example", written next to the tests so it resolves modules
  // (imported twice, under two query strings: a module runs once per URL)
  const readme = readFileSync(new URL('README.md', root), 'utf8');
  const block = /```ts\n(\/\/ README example[^\n]*\n[\s\S]*?)```/.exec(readme)?.[1];
  expect(block).toBeDefined();
  const file = new URL('test/unit/.readme-example.tmp.ts', root);
  writeFileSync(file, `${block}\nexport {};\n`);
  const work = mkdtempSync(join(tmpdir(), 'e4c2-readme-'));
  const previous = process.cwd();
  process.chdir(work);
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  cleanup = () => {
    log.mockRestore();
    process.chdir(previous);
    rmSync(work, { recursive: true, force: true });
    rmSync(file, { force: true });
  };

  // Act
  await import(/* @vite-ignore */ `${file.href}?run=1`);
  const firstState = JSON.parse(readFileSync(join(work, 'device-0001.json'), 'utf8'));
  await import(/* @vite-ignore */ `${file.href}?run=2`);

  // Assess: it printed the payload each time, and the state file holds the topic key (after the second run, the
  // key it sent and the previous one, kept for the hour of key transition)
  expect(log.mock.calls).toEqual([['21.5'], ['21.5']]);
  expect(Object.keys(firstState.TopicKeys)).toHaveLength(1);
  const state = JSON.parse(readFileSync(join(work, 'device-0001.json'), 'utf8'));
  expect(state.ID).toBe(firstState.ID);
  expect(Object.keys(state.TopicKeys)).toHaveLength(2);
});
