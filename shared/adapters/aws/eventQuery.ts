/**
 * How the event log's filters read the table: the time window is a range of sort keys (`E#<ISO time>#<random>`, so
 * `from` included and `to` left out are `E#<from>` and `E#<to>` as bounds), the other fields filter what it reads.
 */
import type { EventFilter } from '../../c2/ports.js';
import { type AttributeTest, matching, type PageQuery } from './filteredPage.js';

/** Above every event's sort key (ISO times are ASCII). */
const END = '\uffff';

/** The query of the events matching `filter`, or undefined when none can (a window that ends before it starts). */
export function eventQuery(prefix: string, filter: EventFilter): PageQuery | undefined {
  const tests: AttributeTest[] = [
    ...(filter.actor === undefined ? [] : [['actor', filter.actor] as const]),
    ...(filter.action === undefined
      ? []
      : [
          filter.action.endsWith('.')
            ? (['action', filter.action, 'prefix'] as const)
            : (['action', filter.action] as const),
        ]),
    ...(filter.target === undefined
      ? []
      : ([
          ['targetType', filter.target.type],
          ['targetName', filter.target.name],
        ] as const)),
    ...(filter.result === undefined ? [] : [['result', filter.result] as const]),
  ];
  const windowed = filter.from !== undefined || filter.to !== undefined;
  const low = `${prefix}${filter.from ?? ''}`;
  const high = `${prefix}${filter.to ?? END}`;
  if (low > high) return undefined;
  return {
    filter: matching(tests),
    ...(windowed ? { between: [low, high] as const } : {}),
    ...(filter.oldestFirst ? { ascending: true } : {}),
  };
}
