import { CONTROL_TOPIC_PREFIX, isWellFormedString, MAX_TOPIC_LEN, utf8 } from '../../e4/index.js';
import { C2Error, C2ErrorCode } from '../errors.js';

/**
 * Topics: 1..512 bytes of valid UTF-8 (e4go's MaxTopicLen, never enforced by E4; well under MQTT's 65,535), a
 * publishable MQTT topic (no wildcard `+`/`#`, no NUL, not starting with `$`, which MQTT reserves for the broker's
 * own topics such as `$SYS/` and AWS IoT Core's `$aws/`), and not under `e4/`, where the control topics of devices
 * live.
 */
export function validateTopic(topic: unknown): string {
  if (typeof topic !== 'string' || !isWellFormedString(topic)) {
    throw new C2Error(C2ErrorCode.InvalidInput, '"topic" must be a string of valid UTF-8');
  }
  const length = utf8(topic).length;
  if (length < 1 || length > MAX_TOPIC_LEN) {
    throw new C2Error(C2ErrorCode.InvalidInput, `"topic" must be 1 to ${MAX_TOPIC_LEN} bytes`);
  }
  if (topic.includes('+') || topic.includes('#') || topic.includes('\u0000'))
    throw new C2Error(C2ErrorCode.InvalidInput, '"topic" must not contain +, # or NUL');
  if (topic.startsWith('$')) {
    throw new C2Error(C2ErrorCode.InvalidInput, '"topic" must not start with $ (MQTT reserves it for the broker)');
  }
  if (topic.startsWith(CONTROL_TOPIC_PREFIX)) {
    throw new C2Error(C2ErrorCode.InvalidInput, `"topic" must not start with ${CONTROL_TOPIC_PREFIX} (control topics)`);
  }
  return topic;
}
