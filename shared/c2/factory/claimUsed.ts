/**
 * CLAIM_USED for an operator's change to a device whose code was taken (deleteFactoryDevice.ts,
 * reissueClaimCode.ts): its message tells a complete claim (the tenant's client exists: the tenant deletes it) from
 * one under way (no client yet: the claiming tenant's retry finishes it).
 */
import { C2Error, C2ErrorCode } from '../errors.js';
import type { FactoryDeviceClaim } from '../ports/FactoryBatchStore.js';

/** `claimed`: what a complete claim means for the operator, e.g. "its code cannot be reissued". */
export const claimUsed = (claim: FactoryDeviceClaim | undefined, claimed: string) =>
  new C2Error(
    C2ErrorCode.ClaimUsed,
    claim !== undefined && claim.completedAt === undefined
      ? "a claim of this device is under way: the claiming tenant's retry finishes it"
      : `this device is claimed: ${claimed}`,
  );
