import { describe, expect, it } from 'vitest';
import { matchesTarget } from '../../../../shared/c2/policies/matchesTarget.js';

describe('matchesTarget', () => {
  it.each([
    [{ topic: 'sensors/a' }, { topic: 'sensors/a' }, true],
    [{ topic: 'sensors/a' }, { topic: 'sensors/ab' }, false],
    [{ topicPrefix: 'sensors/' }, { topic: 'sensors/a' }, true],
    [{ topicPrefix: 'sensors/' }, { topic: 'sensors/' }, true],
    [{ topicPrefix: 'sensors/' }, { topic: 'Sensors/a' }, false],
    [{ topicPrefix: 'sensors/.*' }, { topic: 'sensors/a' }, false],
    [{ topicPrefix: 'sensors/.*' }, { topic: 'sensors/.*x' }, true],
    [{ allTopics: true as const }, { topic: 'anything' }, true],
    [{ allTopics: true as const }, { client: 'device-1' }, false],
    [{ client: 'device-1' }, { client: 'device-1' }, true],
    [{ client: 'device-1' }, { client: 'device-10' }, false],
    [{ clientPrefix: 'device-' }, { client: 'device-10' }, true],
    [{ clientPrefix: 'device-' }, { client: 'sensor-1' }, false],
    [{ client: 'x' }, { topic: 'x' }, false],
    [{ topic: 'x' }, { client: 'x' }, false],
    [{ clientPrefix: 'x' }, { topic: 'x' }, false],
    [{ tenant: true as const }, { topic: 'x' }, false],
    [{ tenant: true as const }, { client: 'x' }, false],
  ])('%j matches %j: %s', (target, subject, expected) => {
    expect(matchesTarget(target, subject)).toBe(expected);
  });
});
