import type { Page } from '../../shared/c2/ports.js';

/** Every item of a list, following its cursors, and how many pages it took. */
export async function readAll<T>(read: (cursor?: string) => Promise<Page<T>>): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await read(cursor);
    items.push(...page.items);
    cursor = page.cursor;
    pages++;
  } while (cursor);
  return { items, pages };
}

/** A page request of `limit` items, after `cursor` when there is one. */
export const page = (limit: number, cursor: string | undefined) => ({ limit, ...(cursor ? { cursor } : {}) });
