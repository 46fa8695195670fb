/**
 * What a prefix target matches today, for the policy form's preview: the names of the topics or clients starting with
 * it, among the first SCANNED of the tenant (there is no prefix search in the API: lists are walked a page at a time).
 */
import { api, call } from '../api/api.js';

export const SCANNED = 500;
const PAGE = 100;

export interface Matches {
  readonly names: readonly string[];
  /** More records than SCANNED: the list may be incomplete. */
  readonly partial: boolean;
}

export async function prefixMatches(kind: 'topicPrefix' | 'clientPrefix', prefix: string): Promise<Matches> {
  const names: string[] = [];
  let cursor: string | undefined;
  for (let seen = 0; seen < SCANNED; seen += PAGE) {
    const query = { limit: PAGE, ...(cursor ? { cursor } : {}) };
    if (kind === 'topicPrefix') {
      const page = await call(api.GET('/v1/topics', { params: { query } }));
      names.push(...page.items.map((topic) => topic.topic).filter((name) => name.startsWith(prefix)));
      cursor = page.cursor;
    } else {
      const page = await call(api.GET('/v1/clients', { params: { query } }));
      names.push(...page.items.map((client) => client.name).filter((name) => name.startsWith(prefix)));
      cursor = page.cursor;
    }
    if (cursor === undefined) return { names: names.sort(), partial: false };
  }
  return { names: names.sort(), partial: true };
}
