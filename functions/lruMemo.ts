/**
 * A function memoised per key, the `limit` most recently used kept (a Map in use order): the tenant-scoped deps of
 * composeAwsC2, so that a function serving many tenants keeps a bounded number of SDK clients and opened data keys. `evicted` is told of each value dropped (to close it).
 */
export function lruMemo<V>(
  limit: number,
  make: (key: string) => V,
  evicted: (value: V) => void = () => {},
): (key: string) => V {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError('limit must be a positive integer');
  const kept = new Map<string, V>();
  return (key) => {
    const found = kept.get(key);
    if (found !== undefined || kept.has(key)) {
      kept.delete(key);
      kept.set(key, found as V);
      return found as V;
    }
    const made = make(key);
    kept.set(key, made);
    if (kept.size > limit) {
      const [oldest, value] = kept.entries().next().value as [string, V];
      kept.delete(oldest);
      evicted(value);
    }
    return made;
  };
}
