/**
 * Lists the CLI shows whole: the API's pages (`{ items, cursor? }`, 100 at a time) followed up to `--limit` items
 * (default 50), or all of them with `--all`.
 */
import { type Command, InvalidArgumentError, Option } from 'commander';

export interface Page<T> {
  items: T[];
  cursor?: string;
}

export interface ListOptions {
  limit: number;
  all?: boolean;
}

const PAGE = 100;
export const DEFAULT_LIST_LIMIT = 50;

function parseLimit(value: string): number {
  const limit = Number(value);
  if (!/^[0-9]+$/.test(value) || limit < 1) throw new InvalidArgumentError('a whole number from 1');
  return limit;
}

/** Adds `--limit <n>` and `--all` to a list command. */
export function withListOptions(command: Command): Command {
  return command
    .addOption(new Option('--limit <n>', 'at most this many items').argParser(parseLimit).default(DEFAULT_LIST_LIMIT))
    .addOption(new Option('--all', 'every item, however many').conflicts('limit'));
}

/** The items of the pages `fetchPage` reads, up to the options' limit. */
export async function listAll<T>(
  options: ListOptions,
  fetchPage: (query: { limit: number; cursor?: string }) => Promise<Page<T>>,
): Promise<T[]> {
  const max = options.all ? Number.POSITIVE_INFINITY : options.limit;
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await fetchPage({ limit: Math.min(PAGE, max - items.length), ...(cursor ? { cursor } : {}) });
    items.push(...page.items.slice(0, max - items.length));
    cursor = page.cursor;
  } while (cursor && items.length < max);
  return items;
}
