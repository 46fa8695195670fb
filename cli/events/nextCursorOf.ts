/**
 * Where an event export goes on: the `cursor` of its `Link: <...>; rel="next"` header (RFC 8288), or nothing when
 * the export is whole.
 */
export function nextCursorOf(link: string | null | undefined): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(',')) {
    const match = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
    if (!match || !/(^|;)\s*rel="?next"?\s*(;|$)/.test(match[2] ?? '')) continue;
    const cursor = new URL(match[1] ?? '', 'http://c2.invalid').searchParams.get('cursor');
    if (cursor) return cursor;
  }
  return undefined;
}
