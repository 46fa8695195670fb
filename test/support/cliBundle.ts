/**
 * vitest's global setup: the CLI bundled once per test run (esbuild, as `npm pack -w cli` bundles it), so that each
 * of the hundreds of CLI subprocesses the tests run starts in a fraction of the time the sources through tsx take.
 * The tests get its path with `inject('cliBundle')` (test/support/cliRun.ts); the bin that runs the sources
 * (cli/bin/e4c2.js, what `npx e4c2` runs) is still run by the README's quick start and the package test.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { bundleCli } from '../../cli/bundle.js';

declare module 'vitest' {
  export interface ProvidedContext {
    cliBundle: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), 'e4c2-cli-bundle-'));
  const file = join(dir, 'e4c2.js');
  await bundleCli(file);
  project.provide('cliBundle', file);
  return () => rm(dir, { recursive: true, force: true });
}
