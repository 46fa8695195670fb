/**
 * The pre-provisioning hook of AWS IoT fleet provisioning (shared/c2/provisioning/allowFleetProvisioning.ts decides):
 * answers IoT Core `{ allowProvisioning, parameterOverrides }` and logs each decision, a refusal with its reason
 * (names and ids, never a key or a proof). Never throws: IoT Core would refuse anyway, without saying why.
 */
import type { C2Deps } from '../../shared/c2/C2Deps.js';
import {
  allowFleetProvisioning,
  hookAnswerOf,
  type PreProvisioningHookAnswer,
} from '../../shared/c2/provisioning/allowFleetProvisioning.js';

export interface ProvisioningHookLogger {
  info(message: string, attributes: Record<string, unknown>): void;
  warn(message: string, attributes: Record<string, unknown>): void;
  error(message: string, attributes: Record<string, unknown>): void;
}

export async function handleProvisioningHook(
  deps: C2Deps,
  event: unknown,
  logger: ProvisioningHookLogger,
): Promise<PreProvisioningHookAnswer> {
  const decision = await allowFleetProvisioning(deps, event);
  if (decision.allow) {
    logger.info('fleet provisioning allowed', { tenantId: decision.tenantId, client: decision.clientName });
  } else if (decision.reason === 'failed' || decision.reason === 'not-configured') {
    logger.error('fleet provisioning refused', {
      reason: decision.reason,
      detail: decision.message,
      tenantId: decision.tenantId,
      error: describe(decision.cause),
    });
  } else {
    logger.warn('fleet provisioning refused', {
      reason: decision.reason,
      detail: decision.message,
      tenantId: decision.tenantId,
    });
  }
  return hookAnswerOf(decision);
}

/** An error's class and code (SDK errors carry `name`), never its message's data. */
function describe(error: unknown): Record<string, unknown> | undefined {
  if (error === undefined) return undefined;
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { name: error.name, ...(typeof code === 'string' ? { code } : {}) };
  }
  return { name: typeof error };
}
