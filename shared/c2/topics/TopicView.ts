import { bytesToHex } from '../../e4/index.js';
import type { TopicRecord } from '../ports.js';

/** What the API shows of a topic: never its key. */
export interface TopicView {
  readonly topic: string;
  /** Hex E4 topic hash. */
  readonly hash: string;
  readonly keyVersion: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export function topicView(record: TopicRecord): TopicView {
  const { topic, keyVersion, createdAt, updatedAt } = record;
  return { topic, hash: bytesToHex(record.hash), keyVersion, createdAt, updatedAt };
}
