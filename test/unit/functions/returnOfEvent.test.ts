import { describe, expect, it } from 'vitest';
import { returnOfEvent } from '../../../functions/lifecycle/returnOfEvent.js';

const hex = '0123456789abcdef0123456789abcdef';
const thing = `e4c2-tenant-a-b-${hex}`;
const NOW = 1_700_000_000_000;

describe('returnOfEvent', () => {
  it.each([
    ['a connection', { eventType: 'connected', clientId: thing, timestamp: 1_600_000_000_000 }, 1_600_000_000_000],
    [
      'a subscription to its control topic',
      { eventType: 'subscribed', clientId: thing, timestamp: 1_600_000_000_001, topics: ['x/y', `e4/${hex}`] },
      1_600_000_000_001,
    ],
    ['an event without its time (now)', { eventType: 'connected', clientId: thing }, NOW],
  ])('reads %s of a device of the C2 as its return', (_, event, at) => {
    expect(returnOfEvent(event, NOW)).toEqual({ type: 'return', tenantId: 'tenant-a-b', clientIdHex: hex, at });
  });

  it.each([
    ['a disconnection', { eventType: 'disconnected', clientId: thing }, 'event disconnected'],
    ['another client id', { eventType: 'connected', clientId: 'someone' }, 'client id is not a thing name of e4c2'],
    [
      'an uppercase id',
      { eventType: 'connected', clientId: thing.toUpperCase() },
      'client id is not a thing name of e4c2',
    ],
    [
      "another device's control topic",
      { eventType: 'subscribed', clientId: thing, topics: [`e4/${'0'.repeat(32)}`] },
      'not its control topic',
    ],
    [
      'a subscription without topics',
      { eventType: 'subscribed', clientId: thing, topics: 'e4' },
      'not its control topic',
    ],
    ['nothing', undefined, 'event undefined'],
  ])('ignores %s', (_, event, ignored) => {
    expect(returnOfEvent(event, NOW)).toEqual({ ignored });
  });
});
