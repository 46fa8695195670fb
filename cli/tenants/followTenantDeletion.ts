/**
 * Follows a tenant's deletion until it has finished. The platform key reads no tenant's route (operations included),
 * so the deletion is followed through the tenant's registry entry: `deleting` (with its operation) until `deleted`,
 * or gone (a 404). Polled once a second.
 */
import type { Schemas } from '../api/Api.js';
import type { CliContext } from '../CliContext.js';
import { CliError } from '../CliError.js';
import { ExitCode } from '../ExitCode.js';

const POLL_MS = 1000;

/** The tenant once its deletion has finished; undefined when its entry is gone. */
export async function followTenantDeletion(
  context: CliContext,
  tenantId: string,
): Promise<Schemas['Tenant'] | undefined> {
  for (;;) {
    let tenant: Schemas['Tenant'];
    try {
      tenant = await context.api.call((client) =>
        client.GET('/v1/tenants/{tenantId}', { params: { path: { tenantId } } }),
      );
    } catch (error) {
      if (error instanceof CliError && error.exitCode === ExitCode.NotFound) return undefined;
      throw error;
    }
    if (tenant.status !== 'deleting') return tenant;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
