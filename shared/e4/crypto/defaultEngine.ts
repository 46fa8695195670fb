/**
 * The engine used when none is passed explicitly: the pure engine, unless the Node entry of the package
 * (`e4c2/client` under Node) installed the node:crypto engine when it was imported.
 */
import type { CryptoEngine } from './CryptoEngine.js';
import { pureEngine } from './pureEngine.js';

let current: CryptoEngine = pureEngine;

export function getDefaultEngine(): CryptoEngine {
  return current;
}

export function setDefaultEngine(engine: CryptoEngine): void {
  current = engine;
}
