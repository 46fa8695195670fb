/**
 * Cuts an import's lines into the batches of `POST /v1/clients/batch`, in the lines' order: at most `size` items a
 * batch and at most `passwords` items with a password (each costs the C2 an Argon2i derivation), a batch closed as
 * soon as the next line would break either bound.
 */
export interface BatchBounds {
  readonly size: number;
  readonly passwords: number;
}

export function batchesOf<T>(items: readonly T[], hasPassword: (item: T) => boolean, bounds: BatchBounds): T[][] {
  if (!(bounds.size >= 1 && bounds.passwords >= 1)) throw new RangeError('batch bounds must be at least 1');
  const batches: T[][] = [];
  let current: T[] = [];
  let passwords = 0;
  for (const item of items) {
    const password = hasPassword(item);
    if (current.length === bounds.size || (password && passwords === bounds.passwords)) {
      batches.push(current);
      current = [];
      passwords = 0;
    }
    current.push(item);
    if (password) passwords++;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
