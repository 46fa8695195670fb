/**
 * What a prefix target matches today, for the policy form's preview: the names of the topics or clients starting with
 * it (`namePrefix`, the server's own startsWith), up to SHOWN; pages are followed while short (a prefix page may be
 * short, even empty, while its cursor says more follow).
 */
import { api, call } from '../api/api.js';

/** Names looked for at most. */
export const SHOWN = 100;

export interface Matches {
  readonly names: readonly string[];
  /** More match than the names given. */
  readonly partial: boolean;
}

export async function prefixMatches(kind: 'topicPrefix' | 'clientPrefix', prefix: string): Promise<Matches> {
  const names: string[] = [];
  let cursor: string | undefined;
  do {
    const query = { limit: SHOWN - names.length, namePrefix: prefix, ...(cursor ? { cursor } : {}) };
    if (kind === 'topicPrefix') {
      const page = await call(api.GET('/v1/topics', { params: { query } }));
      names.push(...page.items.map((topic) => topic.topic));
      cursor = page.cursor;
    } else {
      const page = await call(api.GET('/v1/clients', { params: { query } }));
      names.push(...page.items.map((client) => client.name));
      cursor = page.cursor;
    }
  } while (cursor !== undefined && names.length < SHOWN);
  return { names: names.sort(), partial: cursor !== undefined };
}
