/**
 * What the proxy does with a topic: `protect` on the configured filters (protected on the way out, unprotected on the
 * way in), and for any other topic the configured policy for unconfigured topics: `clear` (passed as it is, both
 * ways), `drop` (publications acknowledged and discarded, subscriptions granted but never fed) or `refuse` (a
 * publication closes the downstream connection, MQTT 3.1.1 having no failing PUBACK; a subscription gets the failure
 * code 0x80 in its SUBACK). The E4 control and receipt topics (`e4/...`) are the proxy's own: never forwarded.
 */
import { filterCovers, topicMatches } from './topicFilter.js';

export type UnconfiguredPolicy = 'drop' | 'clear' | 'refuse';
export type TopicAction = 'protect' | 'e4' | UnconfiguredPolicy;

const isE4 = (topicOrFilter: string) => topicOrFilter === 'e4' || topicOrFilter.startsWith('e4/');

export class TopicPolicy {
  constructor(
    readonly protect: readonly string[],
    readonly unconfigured: UnconfiguredPolicy,
  ) {}

  /** For a message (published downstream, or arriving from upstream) on `topic`. */
  forTopic(topic: string): TopicAction {
    if (isE4(topic)) return 'e4';
    return this.protect.some((filter) => topicMatches(filter, topic)) ? 'protect' : this.unconfigured;
  }

  /**
   * For a downstream subscription: `protect` when a configured filter covers it whole; a filter that only overlaps
   * the configured ones (e.g. `#`) is unconfigured: with `clear` it is subscribed upstream, and its messages on
   * configured topics are still unprotected (they never pass in clear).
   */
  forFilter(filter: string): TopicAction {
    if (isE4(filter)) return 'e4';
    return this.protect.some((outer) => filterCovers(outer, filter)) ? 'protect' : this.unconfigured;
  }
}
