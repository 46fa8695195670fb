/**
 * Fuzzing of the pre-provisioning hook's event decoding (shared/c2/provisioning/allowFleetProvisioning.ts) on any JSON
 * value and on a well-formed event with one part replaced by any value, over a local C2 (in-memory store, a tenant
 * with a client): it never throws and answers exactly `{ allowProvisioning: false }` with a known reason. Local mode
 * provisions no IoT things, and the hook checks that only after the proof: so `not-configured` here would mean a
 * proof that holds, and no fuzzed event may get it (a proof bypass would show as `not-configured`). A random proof,
 * of any shape, for an existing client is refused as `bad-proof`. The allowed path runs over moto
 * (test/integration/aws/provisioningHook.moto.test.ts); proofHolds itself: test/unit/c2/provisioningProof.test.ts.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../shared/c2/clients/createClient.js';
import { allowFleetProvisioning, hookAnswerOf } from '../../shared/c2/provisioning/allowFleetProvisioning.js';
import { randomKey } from '../../shared/e4/index.js';
import { callerOf } from '../support/callerOf.js';
import { fuzzRuns, fuzzTimeout } from '../support/fuzzRuns.js';
import { type LocalC2, startLocalC2 } from '../support/localC2.js';

const runs = fuzzRuns(0.2);
const caller = callerOf('tenant-fuzz', 'operator');
const REASONS = ['malformed', 'tenant-inactive', 'unknown-client', 'bad-proof', 'already-provisioned'];

describe('the pre-provisioning hook on any event', () => {
  let c2: LocalC2;
  let valid: { certificateId: string; parameters: Record<string, string> };

  beforeAll(async () => {
    c2 = await startLocalC2();
    const made = await createClient(c2.deps, caller, { name: 'fuzzed', mode: 'symmetric', key: randomKey() });
    valid = {
      certificateId: 'a'.repeat(64),
      parameters: { TenantId: caller.tenantId, ClientId: made.client.id, Proof: 'b'.repeat(64) },
    };
  });
  afterAll(async () => {
    await c2?.close();
  });

  const check = async (event: unknown) => {
    const decision = await allowFleetProvisioning(c2.deps, event);
    expect(hookAnswerOf(decision)).toEqual({ allowProvisioning: false });
    expect(decision.allow ? 'allowed' : decision.reason).toBeOneOf(REASONS);
  };

  it(
    'refuses any JSON value, never throwing',
    async () => {
      await fc.assert(fc.asyncProperty(fc.jsonValue(), check), { numRuns: runs });
    },
    fuzzTimeout(runs, 5),
  );

  it(
    'refuses a well-formed event with one field or parameter replaced by any value',
    async () => {
      const keys = ['certificateId', 'parameters', 'claimCertificateId'];
      const parameterKeys = ['TenantId', 'ClientId', 'ClientName', 'Proof'];
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            fc.record({ key: fc.constantFrom(...keys), value: fc.anything() }).map(({ key, value }) => ({
              ...valid,
              [key]: value,
            })),
            fc.record({ key: fc.constantFrom(...parameterKeys), value: fc.anything() }).map(({ key, value }) => ({
              ...valid,
              parameters: { ...valid.parameters, [key]: value },
            })),
          ),
          check,
        ),
        { numRuns: runs },
      );
    },
    fuzzTimeout(runs, 10),
  );

  it(
    'refuses a random proof for an existing client as bad-proof, for any certificate id, named by id or by name',
    async () => {
      const hex = (length: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${length}}$`));
      await fc.assert(
        fc.asyncProperty(
          hex(64),
          fc.oneof(hex(64), hex(128), fc.string(), fc.constant('')),
          fc.boolean(),
          async (certificateId, proof, byName) => {
            const named = byName ? { ClientName: 'fuzzed' } : { ClientId: valid.parameters.ClientId! };
            const decision = await allowFleetProvisioning(c2.deps, {
              certificateId,
              parameters: { TenantId: caller.tenantId, ...named, Proof: proof },
            });
            expect(decision).toMatchObject({ allow: false, reason: 'bad-proof' });
          },
        ),
        { numRuns: runs },
      );
    },
    fuzzTimeout(runs, 10),
  );
});
