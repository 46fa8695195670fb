/**
 * Aligned columns for people, as `gh` and `kubectl` print them: upper-case headers, two spaces between columns, no
 * borders, `-` for what is absent. Written here (a few lines) rather than taken from a table library, whose boxes
 * and colours are not wanted.
 */
export interface Column<T> {
  readonly header: string;
  readonly value: (row: T) => unknown;
}

/** One cell: absent as `-`, lists joined with `,`, objects as JSON. */
export function formatValue(value: unknown): string {
  if (value === undefined || value === null || value === '') return '-';
  if (Array.isArray(value)) return value.length === 0 ? '-' : value.map(formatValue).join(',');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value).replace(/[\r\n\t]/g, ' ');
}

const width = (text: string) => [...text].length;

export function formatTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = [
    columns.map((c) => c.header.toUpperCase()),
    ...rows.map((row) => columns.map((c) => formatValue(c.value(row)))),
  ];
  const widths = columns.map((_, i) => Math.max(...cells.map((line) => width(line[i] ?? ''))));
  return cells
    .map((line) =>
      line
        .map((cell, i) => (i === line.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - width(cell))))
        .join('  '),
    )
    .join('\n');
}

/** One record as `Field:  value` lines (kubectl describe): nested objects one level deep as `parent.field`. */
export function formatRecord(record: Record<string, unknown>): string {
  const lines: [string, string][] = [];
  for (const [key, value] of Object.entries(record)) {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [inner, innerValue] of Object.entries(value)) lines.push([`${key}.${inner}`, formatValue(innerValue)]);
    } else {
      lines.push([key, formatValue(value)]);
    }
  }
  const pad = Math.max(0, ...lines.map(([key]) => width(key))) + 1;
  return lines.map(([key, value]) => `${`${key}:`.padEnd(pad + 1)}${value}`).join('\n');
}
