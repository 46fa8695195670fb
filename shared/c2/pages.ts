/** Working with paged lists (`Page<T>`, cursors from the store). */
import { C2Error, C2ErrorCode } from './errors.js';
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

/** A lookup as a page: the record `find` reads, or an empty page when it is NOT_FOUND. */
export async function lookupPage<T>(find: () => Promise<T>): Promise<Page<T>> {
  try {
    return { items: [await find()] };
  } catch (error) {
    if (error instanceof C2Error && error.code === C2ErrorCode.NotFound) return { items: [] };
    throw error;
  }
}
