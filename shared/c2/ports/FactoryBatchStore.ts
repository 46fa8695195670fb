/**
 * Factory batches (shared/c2/factory/): devices a manufacturer registered with their keys, owned by no tenant until
 * one claims a device by its code. Platform-level records (no tenant): the batch, one record per device (its key
 * wrapped, its claim), and one lookup record per claim code (by the code's hash) naming its device. A claim is one
 * conditional write on the device record (no one claimed it, or the same tenant's claim is not complete yet), so that
 * of two claims of one code exactly one wins and a claim interrupted by a crash is finished by its tenant's retry.
 * Failures are C2Errors: ALREADY_EXISTS, NOT_FOUND, INVALID_CURSOR.
 */

/** A batch; no device count kept (appends and deletes would have to keep it right): counted by a query. */
export interface FactoryBatchRecord {
  /** 16 hex digits. */
  readonly id: string;
  readonly name: string;
  /** Who registered it (an actor of the event log). */
  readonly actor: string;
  readonly createdAt: string;
}

export interface FactoryDeviceClaim {
  readonly tenantId: string;
  /** ISO 8601: when the code was taken. */
  readonly at: string;
  /** ISO 8601: when the client was made in the tenant (then the factory's copy of the key is gone). */
  readonly completedAt?: string;
}

export interface FactoryDeviceRecord {
  readonly batchId: string;
  readonly name: string;
  /** E4 id: SHA3-256(name)[0:16], reserved in the ClientIdRegistry for the factory until claimed. */
  readonly id: Uint8Array;
  readonly mode: 'symmetric' | 'pubkey';
  /** Its key (symmetric) or Ed25519 public key, wrapped, bound to the batch and device; gone once claimed. */
  readonly wrappedKey?: Uint8Array;
  /** SHA-256 of its claim code. */
  readonly codeHash: Uint8Array;
  readonly claim?: FactoryDeviceClaim;
  readonly createdAt: string;
}

/** `taken`: this call took the code; `resumed`: the tenant's own claim, not complete; `used`: claimed already. */
export type FactoryClaimOutcome = 'taken' | 'resumed' | 'used';

/** A page as ports.ts's (not imported: ports.ts imports this file). */
interface PageOf<T> {
  readonly items: T[];
  readonly cursor?: string;
}
interface PageAsked {
  readonly limit: number;
  readonly cursor?: string;
}

export interface FactoryBatchStore {
  /** ALREADY_EXISTS when the id is taken. */
  createFactoryBatch(record: FactoryBatchRecord): Promise<void>;
  /** Deletes the batch's record (not its devices; nothing when there is none). */
  deleteFactoryBatch(id: string): Promise<void>;
  getFactoryBatch(id: string): Promise<FactoryBatchRecord | undefined>;
  /** In id order. */
  listFactoryBatches(page: PageAsked): Promise<PageOf<FactoryBatchRecord>>;
  /** The device's record, then its code's lookup record; ALREADY_EXISTS when the device (or the code) exists. */
  putFactoryDevice(record: FactoryDeviceRecord): Promise<void>;
  getFactoryDevice(batchId: string, id: Uint8Array): Promise<FactoryDeviceRecord | undefined>;
  /** The devices of a batch in E4 id order. */
  listFactoryDevices(batchId: string, page: PageAsked): Promise<PageOf<FactoryDeviceRecord>>;
  /** How many devices the batch holds, and how many of them are claimed (taken codes). */
  countFactoryDevices(batchId: string): Promise<{ readonly devices: number; readonly claimed: number }>;
  /** The device a code's hash names (the code may outlive its device: read the device). */
  findClaimCode(codeHash: Uint8Array): Promise<{ readonly batchId: string; readonly id: Uint8Array } | undefined>;
  /**
   * One conditional write (see above), also on the device's code hash being `codeHash` (a code replaced meanwhile
   * takes nothing); NOT_FOUND when there is no such device, or it holds another code.
   */
  takeFactoryDevice(
    batchId: string,
    id: Uint8Array,
    codeHash: Uint8Array,
    tenantId: string,
    at: string,
  ): Promise<FactoryClaimOutcome>;
  /** Marks the tenant's claim complete and deletes the wrapped key (nothing when it is complete already). */
  completeFactoryClaim(batchId: string, id: Uint8Array, tenantId: string, at: string): Promise<void>;
  /**
   * Gives a taken code back: the tenant's claim removed, if not complete (false otherwise: nothing written), so that
   * a claim that cannot go on leaves the device unclaimed.
   */
  releaseFactoryClaim(batchId: string, id: Uint8Array, tenantId: string): Promise<boolean>;
  /**
   * Deletes an unclaimed device (or, with `incompleteClaimOf`, one whose claim by that tenant is not complete):
   * `claimed` (nothing deleted) when its code was taken otherwise, `missing` when there is none.
   */
  deleteFactoryDevice(
    batchId: string,
    id: Uint8Array,
    options?: { readonly incompleteClaimOf?: string },
  ): Promise<'deleted' | 'claimed' | 'missing'>;
  /**
   * Gives an unclaimed device a new code: the new code's lookup record, then the device's `codeHash` (conditional: the
   * old hash, no claim), then the old lookup deleted (a claim compares the device's hash, so the old code is dead
   * once the device is written). `claimed` or `changed` (another reissue meanwhile): nothing of the device changed.
   * NOT_FOUND when there is no such device.
   */
  replaceClaimCode(
    batchId: string,
    id: Uint8Array,
    oldHash: Uint8Array,
    newHash: Uint8Array,
  ): Promise<'replaced' | 'claimed' | 'changed'>;
  /** Deletes a code's lookup record (nothing when there is none). */
  deleteClaimCode(codeHash: Uint8Array): Promise<void>;
}
