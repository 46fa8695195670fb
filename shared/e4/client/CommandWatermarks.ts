/**
 * Commands never roll a client back. E4 accepts any authentic command less than 10 minutes old, so inside that window
 * a captured command can be replayed, and two rotations can arrive out of order; either would put back a key the C2
 * has replaced. For each key slot (a topic, a public key by id, the identity key, the C2 key) this keeps the
 * timestamp of the command that last set or removed it; `ResetTopics` / `ResetPubKeys` set a floor for their whole
 * family. A command strictly older than its slot's watermark (or its family's floor) is refused with STALE_COMMAND
 * and changes nothing; an equal timestamp is accepted (E4 timestamps are whole seconds, and the C2 never sends one
 * device two different keys for the same slot within the same second). A reset is refused when it is older than any
 * change of its family, since it would undo that change.
 *
 * Only commands pay for this: messages never look at it. Watermarks older than the replay window are pruned (a
 * command that old is refused as TIMESTAMP_TOO_OLD anyway), so the state stays small; those of the identity key and
 * the C2 key are kept, as a record that the C2 replaced the key the client was created with (see `loadOrCreate`).
 */
import { bytesToHex } from '../bytes.js';
import type { Command } from '../commands/Command.js';
import { E4Error, E4ErrorCode } from '../errors.js';
import type { Watermarks } from '../state/ClientState.js';

type Family = 'topics' | 'pubKeys';

/** The family and slot name of a command that changes one slot, or just the family of a reset. */
function slotOf(command: Command): { family: Family; slot?: string } | 'idKey' | 'c2Key' {
  switch (command.type) {
    case 'SetTopicKey':
    case 'RemoveTopic':
      return { family: 'topics', slot: bytesToHex(command.topicHash) };
    case 'ResetTopics':
      return { family: 'topics' };
    case 'SetPubKey':
    case 'RemovePubKey':
      return { family: 'pubKeys', slot: bytesToHex(command.id) };
    case 'ResetPubKeys':
      return { family: 'pubKeys' };
    case 'SetIDKey':
      return 'idKey';
    case 'SetC2Key':
      return 'c2Key';
  }
}

const newer = (a: number | undefined, b: number | undefined): number | undefined =>
  a === undefined ? b : b === undefined ? a : Math.max(a, b);

export class CommandWatermarks {
  readonly #slots: Record<Family, Map<string, number>> = { topics: new Map(), pubKeys: new Map() };
  readonly #floors: Record<Family, number | undefined> = { topics: undefined, pubKeys: undefined };
  #idKey: number | undefined;
  #c2Key: number | undefined;

  constructor(saved: Watermarks = {}) {
    for (const [name, timestamp] of saved.topics ?? []) this.#slots.topics.set(name, timestamp);
    for (const [name, timestamp] of saved.pubKeys ?? []) this.#slots.pubKeys.set(name, timestamp);
    this.#floors.topics = saved.topicsFloor;
    this.#floors.pubKeys = saved.pubKeysFloor;
    this.#idKey = saved.idKey;
    this.#c2Key = saved.c2Key;
  }

  /** Throws STALE_COMMAND when `command`, sent at `timestamp` (seconds), is older than its slot's last change. */
  check(command: Command, timestamp: number): void {
    const latest = this.#latest(command);
    if (latest !== undefined && timestamp < latest) {
      throw new E4Error(
        E4ErrorCode.StaleCommand,
        `stale command: ${command.type} is older than the last change of the same key (replayed or out of order)`,
      );
    }
  }

  /** Records a command that was applied (after {@link check}). */
  record(command: Command, timestamp: number): void {
    const slot = slotOf(command);
    if (slot === 'idKey') this.#idKey = newer(this.#idKey, timestamp);
    else if (slot === 'c2Key') this.#c2Key = newer(this.#c2Key, timestamp);
    else if (slot.slot === undefined) {
      // Every slot of the family is at most this old (check refused the reset otherwise): the floor covers them.
      this.#floors[slot.family] = newer(this.#floors[slot.family], timestamp);
      this.#slots[slot.family].clear();
    } else {
      const slots = this.#slots[slot.family];
      slots.set(slot.slot, newer(slots.get(slot.slot), timestamp)!);
    }
  }

  /** Forgets topic and public-key watermarks older than `oldest` seconds: no command that old is accepted. */
  prune(oldest: number): void {
    for (const family of ['topics', 'pubKeys'] as const) {
      for (const [name, timestamp] of this.#slots[family]) if (timestamp < oldest) this.#slots[family].delete(name);
      if ((this.#floors[family] ?? oldest) < oldest) this.#floors[family] = undefined;
    }
  }

  /** The watermarks as the state holds them; undefined when there are none. */
  snapshot(): Watermarks | undefined {
    const out: {
      -readonly [K in keyof Watermarks]: Watermarks[K];
    } = {};
    if (this.#slots.topics.size > 0) out.topics = new Map(this.#slots.topics);
    if (this.#floors.topics !== undefined) out.topicsFloor = this.#floors.topics;
    if (this.#idKey !== undefined) out.idKey = this.#idKey;
    if (this.#c2Key !== undefined) out.c2Key = this.#c2Key;
    if (this.#slots.pubKeys.size > 0) out.pubKeys = new Map(this.#slots.pubKeys);
    if (this.#floors.pubKeys !== undefined) out.pubKeysFloor = this.#floors.pubKeys;
    return Object.keys(out).length > 0 ? out : undefined;
  }

  /** The newest change the command must not be older than. */
  #latest(command: Command): number | undefined {
    const slot = slotOf(command);
    if (slot === 'idKey') return this.#idKey;
    if (slot === 'c2Key') return this.#c2Key;
    const floor = this.#floors[slot.family];
    const slots = this.#slots[slot.family];
    if (slot.slot !== undefined) return newer(floor, slots.get(slot.slot));
    let latest = floor;
    for (const timestamp of slots.values()) latest = newer(latest, timestamp);
    return latest;
  }
}
