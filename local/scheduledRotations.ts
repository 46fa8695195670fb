/**
 * What local mode's scheduler (LocalScheduler) does with a due run of a policy's schedule: what the AWS deployment's
 * rotation function does with EventBridge Scheduler's (shared/c2/policies/handleScheduledRun.ts: runPolicy,
 * reason `schedule`, actor `scheduler`, idempotent per scheduled time), logged. A run that fell due while local mode
 * was stopped runs once, at the latest missed time, and its run record says so (`missed`).
 */

import type { ScheduledRun } from '../shared/adapters/local/LocalScheduler.js';
import type { C2Deps } from '../shared/c2/C2Deps.js';
import { handleScheduledRun } from '../shared/c2/policies/handleScheduledRun.js';
import type { LocalLogger } from './localLogger.js';

export function scheduledRotations(deps: C2Deps, log: LocalLogger): (run: ScheduledRun) => Promise<void> {
  return async ({ tenantId, payload, scheduledTime, missed }) => {
    const outcome = await handleScheduledRun(deps, { ...payload, tenantId, scheduledTime, missed });
    const policyId = typeof payload.policyId === 'string' ? payload.policyId : undefined;
    if (outcome.status === 'skipped') {
      log.warn('scheduled rotation skipped', { policyId, scheduledTime, reason: outcome.reason });
      return;
    }
    if (outcome.status === 'checked') {
      log.info('key age check', { policyId, scheduledTime, runs: outcome.runIds.length });
      return;
    }
    log.info('scheduled rotation', {
      policyId,
      scheduledTime,
      missed,
      runId: outcome.runId,
      outcome: outcome.outcome,
      operations: outcome.operationIds.length,
    });
  };
}
