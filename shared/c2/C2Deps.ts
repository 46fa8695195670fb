import type { CryptoEngine } from '../e4/index.js';
import type { Clock, CommandPublisher, KeyStore, KeyVault } from './ports.js';

/** What every use case runs on: the ports, built once by a composition root (Lambda cold start, local mode). */
export interface C2Deps {
  readonly store: KeyStore;
  readonly vault: KeyVault;
  readonly publisher: CommandPublisher;
  readonly clock: Clock;
  readonly engine?: CryptoEngine;
}
