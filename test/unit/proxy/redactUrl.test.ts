/** A broker URL in a log line or an error never carries its password. */
import { expect, it } from 'vitest';
import { redactUrl } from '../../../proxy/redactUrl.js';

it('drops the user and password of a URL, and shows nothing of one it cannot read', () => {
  expect(redactUrl('mqtts://site:hunter2@broker.example.com:8883')).toBe('mqtts://broker.example.com:8883');
  expect(redactUrl('mqtt://127.0.0.1:1883')).toBe('mqtt://127.0.0.1:1883');
  expect(redactUrl('not a url hunter2')).toBe('[url]');
});
