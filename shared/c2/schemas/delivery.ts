/** What became of the commands a change sent to devices (shared by every route that sends some). */
import * as z from 'zod';
import { MAX_FAILURES_LISTED } from '../delivery/DeliveryReport.js';

export const DeliveryReportSchema = z
  .strictObject({
    sent: z.number().int().min(0).meta({ description: 'Commands published to the control topics of clients.' }),
    delivered: z
      .number()
      .int()
      .min(0)
      .meta({ description: 'Commands the broker accepted (QoS 1): an offline device with a session gets them later.' }),
    failed: z
      .array(z.strictObject({ client: z.string(), error: z.string() }))
      .max(MAX_FAILURES_LISTED)
      .readonly()
      .meta({
        description: `The clients whose command the broker did not take, and why (the first ${MAX_FAILURES_LISTED}).`,
      }),
  })
  .meta({ id: 'DeliveryReport' });

/** `{ delivery }`: the answer of a change whose only effect is the commands it sent. */
export const DeliveryOnlySchema = z.strictObject({ delivery: DeliveryReportSchema });
