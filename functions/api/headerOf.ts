/** A request header, whatever the case of its name in the event (API Gateway lowercases them; others may not). */
export function headerOf(
  event: { readonly headers?: Readonly<Record<string, string | undefined>> },
  name: string,
): string | undefined {
  const headers = event.headers ?? {};
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted && typeof value === 'string') return value;
  }
  return undefined;
}
