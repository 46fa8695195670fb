/**
 * A real KeyStore wrapped to count its calls (per method) and the items a batch read asked for: to assert that a
 * request's work is bounded, not to change what the store does (every call goes to the store as it is).
 */
import type { KeyStore } from '../../shared/c2/ports.js';

export interface CountingStore {
  readonly store: KeyStore;
  /** Calls per method name. */
  readonly calls: Map<string, number>;
  /** Every call. */
  total(): number;
  reset(): void;
}

export function countingStore(real: KeyStore): CountingStore {
  const calls = new Map<string, number>();
  const store = new Proxy(real, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      return (...args: unknown[]) => {
        calls.set(property, (calls.get(property) ?? 0) + 1);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return {
    store,
    calls,
    total: () => [...calls.values()].reduce((sum, n) => sum + n, 0),
    reset: () => calls.clear(),
  };
}
