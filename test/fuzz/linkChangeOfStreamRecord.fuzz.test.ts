/**
 * Fuzzing of the link-change pipe's record reader (shared/adapters/aws/linkChangeOfStreamRecord.ts): any JSON value,
 * mostly near-valid stream records (fields dropped, retyped or changed). It never throws; what it reads as a change
 * is a LinkChangeMessage the work queue's own parser accepts, with the names of the record's image.
 */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { linkChangeOfStreamRecord } from '../../shared/adapters/aws/linkChangeOfStreamRecord.js';
import { parseWorkMessage } from '../../shared/c2/operations/parseWorkMessage.js';
import { fuzzRuns, fuzzTimeout } from '../support/fuzzRuns.js';

const attribute = fc.oneof(
  fc.record({ S: fc.oneof(fc.string(), fc.constantFrom('T#tenant-a', 'L#00ff', 'M#00', '2026-12-04T10:00:00.000Z')) }),
  fc.record({ N: fc.string() }),
  fc.constant(undefined),
  fc.anything(),
);
const image = fc.record(
  { PK: attribute, SK: attribute, topic: attribute, clientName: attribute, createdAt: attribute },
  { requiredKeys: [] },
);
const record = fc.record(
  {
    eventID: fc.oneof(fc.stringMatching(/^[0-9a-f]{32}$/), fc.string(), fc.anything()),
    eventName: fc.oneof(fc.constantFrom('INSERT', 'REMOVE', 'MODIFY'), fc.anything()),
    eventSource: fc.constant('aws:dynamodb'),
    dynamodb: fc.record(
      {
        ApproximateCreationDateTime: fc.oneof(fc.integer(), fc.double(), fc.string(), fc.anything()),
        Keys: image,
        NewImage: image,
        OldImage: image,
      },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: [] },
);

describe('linkChangeOfStreamRecord fuzzing', () => {
  it(
    'never throws, and what it reads as a change is a valid work message',
    () => {
      fc.assert(
        fc.property(fc.oneof(record, fc.anything()), (input) => {
          const reading = linkChangeOfStreamRecord(input);
          if (reading.kind === 'ignored') return;
          const parsed = parseWorkMessage(JSON.stringify(reading.message));
          assert.ok(parsed.ok, JSON.stringify(parsed));
        }),
        { numRuns: fuzzRuns() },
      );
    },
    fuzzTimeout(fuzzRuns(), 1),
  );
});
