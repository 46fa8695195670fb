/**
 * Runs `task` on every item, at most `limit` at once (at least one), each lane taking the next item when free. On the
 * first failure no lane takes another item; once every lane has settled (no task of it still running), the first
 * error is thrown: a caller that undoes what was done (factory/factoryDevices.ts) sees every write that will land.
 */
export async function forEachAtMost<T>(
  limit: number,
  items: readonly T[],
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: { readonly error: unknown } | undefined;
  const lane = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      try {
        await task(items[next++] as T);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, lane));
  if (failure !== undefined) throw failure.error;
}
