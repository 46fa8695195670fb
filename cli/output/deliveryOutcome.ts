/**
 * What people read of a delivery report (`{ sent, delivered, failed }`, the answer of a change done at once: a link,
 * an unlink without re-key, a public key sent), and the failure when the broker did not take every command: the
 * change is recorded, but a device lacks it (exit 1, as an operation that ended partial).
 */
import type { Schemas } from '../api/Api.js';
import { CliError } from '../CliError.js';
import { ExitCode } from '../ExitCode.js';

type DeliveryReport = Schemas['DeliveryReport'];

/** `1 of 1 commands delivered`. */
export function deliverySummary(report: DeliveryReport): string {
  return `${report.delivered} of ${report.sent} command${report.sent === 1 ? '' : 's'} delivered`;
}

/** The failure of a report with commands the broker did not take; undefined when every one was taken. */
export function deliveryFailure(report: DeliveryReport): CliError | undefined {
  if (report.failed.length === 0 && report.delivered >= report.sent) return undefined;
  const which = report.failed.map((f) => `${f.client} (${f.error})`).join(', ');
  return new CliError(
    `the broker did not take ${report.sent - report.delivered} of ${report.sent} commands${which ? `: ${which}` : ''}`,
    ExitCode.Refused,
    'DELIVERY_FAILED',
  );
}
