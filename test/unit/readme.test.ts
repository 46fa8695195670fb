/**
 * The README's device-library example runs as written (with `e4c2/client` resolved to the sources), in a
 * temporary folder, and prints what the README says it prints.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it, vi } from 'vitest';

const root = new URL('../..', import.meta.url);
let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

it('the device-library example of the README runs and prints 21.5', async () => {
  // Prepare: the first TypeScript block marked "README example", written next to the tests so it resolves modules
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
  await import(/* @vite-ignore */ file.href);

  // Assess: it printed the payload, and the device state file it wrote loads with the topic key in it
  expect(log).toHaveBeenCalledWith('21.5');
  const state = JSON.parse(readFileSync(join(work, 'device-0001.json'), 'utf8'));
  expect(Object.keys(state.TopicKeys)).toHaveLength(1);
});
