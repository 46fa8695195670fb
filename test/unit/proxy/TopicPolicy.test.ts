/** What the proxy does with each topic and subscription: protected, its own E4 topics, or the unconfigured policy. */
import { describe, expect, it } from 'vitest';
import { TopicPolicy } from '../../../proxy/TopicPolicy.js';

describe('TopicPolicy', () => {
  const policy = new TopicPolicy(['plant/+', 'site/#'], 'refuse');

  it('protects topics of the configured filters; applies the policy to the others', () => {
    expect(policy.forTopic('plant/temp')).toBe('protect');
    expect(policy.forTopic('site/a/b')).toBe('protect');
    expect(policy.forTopic('plant/temp/x')).toBe('refuse');
    expect(new TopicPolicy(['plant/+'], 'clear').forTopic('other')).toBe('clear');
    expect(new TopicPolicy(['plant/+'], 'drop').forTopic('other')).toBe('drop');
  });

  it('keeps the E4 control and receipt topics to itself, even under a configured filter', () => {
    expect(new TopicPolicy(['#'], 'clear').forTopic('e4/0123')).toBe('e4');
    expect(policy.forTopic('e4/0123/receipt')).toBe('e4');
    expect(policy.forFilter('e4/#')).toBe('e4');
  });

  it('protects a subscription only when a configured filter covers it whole', () => {
    expect(policy.forFilter('plant/temp')).toBe('protect');
    expect(policy.forFilter('plant/+')).toBe('protect');
    expect(policy.forFilter('site/+/temp')).toBe('protect');
    expect(policy.forFilter('plant/#')).toBe('refuse'); // plant/a/b is not configured
    expect(policy.forFilter('#')).toBe('refuse');
  });
});
