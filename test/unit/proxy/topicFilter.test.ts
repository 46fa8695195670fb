/** MQTT topic filters: matching (the spec's examples), coverage of one filter by another (a property), validity. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { filterCovers, isValidFilter, topicMatches } from '../../../proxy/topicFilter.js';

describe('topicMatches', () => {
  it.each([
    ['sport/tennis/player1/#', 'sport/tennis/player1', true],
    ['sport/tennis/player1/#', 'sport/tennis/player1/ranking', true],
    ['sport/#', 'sport', true],
    ['#', 'a/b/c', true],
    ['sport/tennis/+', 'sport/tennis/player1', true],
    ['sport/tennis/+', 'sport/tennis/player1/ranking', false],
    ['sport/+', 'sport', false],
    ['+/+', '/finance', true],
    ['+', '/finance', false],
    ['plant/temp', 'plant/temp', true],
    ['plant/temp', 'plant/temp2', false],
    ['#', '$SYS/broker', false],
    ['+/broker', '$SYS/broker', false],
    ['$SYS/#', '$SYS/broker', true],
  ])('%s matches %s: %s', (filter, topic, expected) => {
    expect(topicMatches(filter, topic)).toBe(expected);
  });
});

describe('filterCovers', () => {
  it.each([
    ['site/#', 'site/+/temp', true],
    ['site/#', 'site/#', true],
    ['site/#', 'site', true],
    ['site/+', 'site/#', false],
    ['site/+/temp', 'site/a/temp', true],
    ['site/a/temp', 'site/+/temp', false],
    ['#', 'anything/#', true],
    ['site/#', '#', false],
    ['a/b', 'a/b/c', false],
  ])('%s covers %s: %s', (outer, inner, expected) => {
    expect(filterCovers(outer, inner)).toBe(expected);
  });

  it('a covered filter matches only topics the covering one matches', () => {
    const level = fc.constantFrom('a', 'b', 'c');
    const filterLevel = fc.constantFrom('a', 'b', '+');
    const filter = fc
      .tuple(fc.array(filterLevel, { minLength: 1, maxLength: 3 }), fc.boolean())
      .map(([levels, hash]) => [...levels, ...(hash ? ['#'] : [])].join('/'));
    const topic = fc.array(level, { minLength: 1, maxLength: 4 }).map((levels) => levels.join('/'));
    fc.assert(
      fc.property(filter, filter, topic, (outer, inner, name) => {
        if (filterCovers(outer, inner) && topicMatches(inner, name)) expect(topicMatches(outer, name)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('isValidFilter', () => {
  it.each([
    ['a/#', true],
    ['#', true],
    ['+/a/+', true],
    ['a/#/b', false],
    ['a#', false],
    ['a/b+', false],
    ['', false],
  ])('%s: %s', (filter, expected) => {
    expect(isValidFilter(filter)).toBe(expected);
  });
});
