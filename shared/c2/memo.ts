/** Wraps a loader so that it is called once per distinct key: later calls share the first one's promise. */
export function memo<T>(load: (key: string) => Promise<T>): (key: string) => Promise<T> {
  const loaded = new Map<string, Promise<T>>();
  return (key) => {
    let value = loaded.get(key);
    if (!value) {
      value = load(key);
      loaded.set(key, value);
    }
    return value;
  };
}
