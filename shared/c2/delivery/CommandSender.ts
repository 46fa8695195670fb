/**
 * Protects commands for clients and publishes them, adding up what became of them. A client's command key is its
 * identity key (symmetric) or SHA3-256(X25519(C2 private key, client public key)) (public-key mode); each is opened
 * once per sender, and the tenant's C2 key only if a public-key client is addressed. Key bytes are wiped when the
 * sender is closed. A sender that addresses a public-key client is a reader of the tenant's fence until it is closed
 * (c2key/tenantFence.ts: it is refused while the C2 key is being replaced), but the sender of the rotation itself;
 * when its stay lapsed (idle for its length) and it enters again, it opens every key again.
 */
import { type CryptoEngine, E4Error, getDefaultEngine, protectCommand, topicForId } from '../../e4/index.js';
import type { C2Deps } from '../C2Deps.js';
import { loadC2Key } from '../c2key/loadC2Key.js';
import { FenceReader } from '../c2key/tenantFence.js';
import { C2Error } from '../errors.js';
import type { ClientRecord, ControlCommand } from '../ports.js';
import { type DeliveryReport, MAX_FAILURES_LISTED } from './DeliveryReport.js';
import { clockSecond } from './keySeconds.js';
import { openCommandKey } from './openCommandKey.js';

export interface AddressedCommand {
  readonly client: ClientRecord;
  /** The command plaintext (see the command builders of shared/e4). */
  readonly command: Uint8Array;
}

export class CommandSender {
  readonly #deps: C2Deps;
  readonly #tenantId: string;
  readonly #engine: CryptoEngine;
  /** Command keys by client name and key version (the opening shared by concurrent pages). */
  readonly #keys = new Map<string, Promise<Uint8Array>>();
  #c2PrivateKey: Promise<Uint8Array> | undefined;
  /** Keys no longer used (opened before a C2 key may have changed), wiped at close. */
  readonly #retired: Promise<Uint8Array>[] = [];
  /** Absent for the sender of the fence's writer. */
  readonly #reader: FenceReader | undefined;
  #sent = 0;
  #delivered = 0;
  readonly #failed: { client: string; error: string }[] = [];

  constructor(deps: C2Deps, tenantId: string, options: SenderOptions = {}) {
    this.#deps = deps;
    this.#tenantId = tenantId;
    this.#reader = options.fenceWriter ? undefined : new FenceReader(deps, tenantId);
    // The composition roots give the C2's engine (AES-SIV on OpenSSL only, functions/c2Engine.ts).
    this.#engine = deps.engine ?? getDefaultEngine();
  }

  /**
   * Protects and publishes the commands (in one batch), timestamped `options.second` (E4 seconds; default now: see
   * keySeconds.ts for commands that carry keys); the outcome of each is added to the report. `beforePublish` sees the
   * protected commands first (an operation takes the hash of each, which the device's receipt will name).
   */
  async send(
    commands: readonly AddressedCommand[],
    options: { second?: number; beforePublish?: (commands: readonly ControlCommand[]) => Promise<void> } = {},
  ): Promise<DeliveryReport> {
    const seconds = options.second ?? clockSecond(this.#deps);
    // A new stay after one that ended: a C2 key may have come into force meanwhile, so the keys opened are dropped.
    if (commands.some(({ client }) => client.mode === 'pubkey') && (await this.#reader?.enter())) this.#retireKeys();
    const out: ControlCommand[] = [];
    const failed: { client: string; error: string }[] = [];
    for (const { client, command } of commands) {
      let key: Uint8Array;
      try {
        key = await this.#commandKey(client);
      } catch (error) {
        // One client's unusable key (tampered record, vault unavailable) fails its command, not the whole change.
        if (!(error instanceof C2Error || error instanceof E4Error)) throw error;
        failed.push({ client: client.name, error: `${error.code}: ${error.message}` });
        continue;
      }
      out.push({
        clientName: client.name,
        topic: topicForId(client.id),
        payload: protectCommand(command, key, { engine: this.#engine, timestamp: seconds }),
      });
    }
    if (out.length > 0) await options.beforePublish?.(out);
    const outcomes = out.length === 0 ? [] : await this.#deps.publisher.publish(out);
    let delivered = 0;
    for (const outcome of outcomes) {
      if (outcome.delivered) delivered++;
      else failed.push({ client: outcome.clientName, error: outcome.error ?? 'not delivered' });
    }
    const sent = commands.length; // every command of the batch: published, or failed before (its key unusable)
    this.#sent += sent;
    this.#delivered += delivered;
    this.#failed.push(...failed.slice(0, MAX_FAILURES_LISTED - this.#failed.length));
    return { sent, delivered, failed };
  }

  /** Everything sent by this sender so far. */
  report(): DeliveryReport {
    return { sent: this.#sent, delivered: this.#delivered, failed: [...this.#failed] };
  }

  /** Wipes the command keys held, leaves the fence. */
  async close(): Promise<void> {
    this.#retireKeys();
    const keys = this.#retired.splice(0);
    for (const key of keys) (await key.catch(() => undefined))?.fill(0);
    await this.#reader?.leave();
  }

  /** Opens keys afresh from now on; those opened before are wiped at close (a concurrent page may be using them). */
  #retireKeys(): void {
    this.#retired.push(...this.#keys.values());
    this.#keys.clear();
    if (this.#c2PrivateKey) this.#retired.push(this.#c2PrivateKey);
    this.#c2PrivateKey = undefined;
  }

  #commandKey(client: ClientRecord): Promise<Uint8Array> {
    const cacheKey = `${client.name}\u0000${client.keyVersion}`;
    let key = this.#keys.get(cacheKey);
    if (!key) {
      key = openCommandKey(this.#deps, this.#engine, client, () => this.#c2Key());
      this.#keys.set(cacheKey, key);
    }
    return key;
  }

  /** The tenant's C2 private key, opened once per sender (wiped by close). */
  #c2Key(): Promise<Uint8Array> {
    this.#c2PrivateKey ??= loadC2Key(this.#deps, this.#tenantId).then((c2) => c2.privateKey);
    return this.#c2PrivateKey;
  }
}

export interface SenderOptions {
  /** The sender of the C2 key rotation that holds the tenant's fence: it does not wait for itself. */
  readonly fenceWriter?: boolean;
}

/** Runs `use` with a sender and closes it (wiping its keys) whatever happens. */
export async function withSender<T>(
  deps: C2Deps,
  tenantId: string,
  use: (sender: CommandSender) => Promise<T>,
  options: SenderOptions = {},
): Promise<T> {
  const sender = new CommandSender(deps, tenantId, options);
  try {
    return await use(sender);
  } finally {
    await sender.close();
  }
}
