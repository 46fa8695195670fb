/**
 * The client's command watermarks are one extra top-level field of the state document, `Watermarks`, written last and
 * only when the client has any (e4go ignores unknown fields). These helpers compare our documents with e4go's.
 */
const FIELD = /,"Watermarks":\{.*\}\}\n$/s;

/** The document without our `Watermarks` field: the bytes e4go writes for the same state. */
export function withoutWatermarks(document: string): string {
  return document.replace(FIELD, '}\n');
}

/** The parsed `Watermarks` field of a document, or undefined when it has none. */
export function watermarksOf(document: string): Record<string, unknown> | undefined {
  return JSON.parse(document).Watermarks;
}
