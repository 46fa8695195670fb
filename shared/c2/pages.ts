/** Working with paged lists (`Page<T>`, cursors from the store). */
import type { Page, PageRequest } from './ports.js';

/** The same page with each item transformed. */
export function mapPage<T, U>(page: Page<T>, transform: (item: T) => U): Page<U> {
  return { items: page.items.map(transform), ...(page.cursor === undefined ? {} : { cursor: page.cursor }) };
}

/** Every page of a list, from the first, 100 items at a time. */
export async function* eachPage<T>(list: (page: PageRequest) => Promise<Page<T>>): AsyncGenerator<T[]> {
  let cursor: string | undefined;
  do {
    const page = await list({ limit: 100, ...(cursor === undefined ? {} : { cursor }) });
    yield page.items;
    cursor = page.cursor;
  } while (cursor !== undefined);
}
