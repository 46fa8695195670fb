#!/usr/bin/env node
// The `e4c2` command. In a checkout of e4c2 it runs the TypeScript sources through tsx (nothing to build); the packed
// package (`npm pack -w cli`) runs its bundle, dist/e4c2.js.
import { existsSync } from 'node:fs';

const sources = new URL('../main.ts', import.meta.url);
if (existsSync(sources)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(sources.href);
} else {
  await import(new URL('../dist/e4c2.js', import.meta.url).href);
}
