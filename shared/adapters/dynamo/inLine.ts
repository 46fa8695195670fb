/**
 * Runs tasks one at a time per key, in the order they were given (each starts once the one before it of the same key
 * has settled, whatever its outcome): writers of one item in one process queue up instead of racing on its condition.
 * Keys with nothing waiting are forgotten.
 */
export type InLine = <T>(key: string, task: () => Promise<T>) => Promise<T>;

export function inLine(): InLine {
  const lines = new Map<string, Promise<unknown>>();
  return <T>(key: string, task: () => Promise<T>): Promise<T> => {
    const previous = lines.get(key) ?? Promise.resolve();
    const mine = previous.then(task, task);
    const tail = mine.catch(() => undefined);
    lines.set(key, tail);
    void tail.then(() => {
      if (lines.get(key) === tail) lines.delete(key);
    });
    return mine;
  };
}
