/** Previous / next over cursor-paged lists: the cursors of the pages before are kept to go back. */
import { useState } from 'preact/hooks';

export interface Pages {
  readonly cursor: string | undefined;
  readonly index: number;
  next(cursor: string): void;
  previous(): void;
  reset(): void;
}

export function usePages(): Pages {
  const [stack, setStack] = useState<(string | undefined)[]>([undefined]);
  return {
    cursor: stack[stack.length - 1],
    index: stack.length - 1,
    next: (cursor) => setStack([...stack, cursor]),
    previous: () => setStack(stack.length > 1 ? stack.slice(0, -1) : stack),
    reset: () => setStack([undefined]),
  };
}

export function Pager(props: { pages: Pages; nextCursor: string | undefined; label: string }) {
  const { pages, nextCursor } = props;
  if (pages.index === 0 && nextCursor === undefined) return null;
  return (
    <nav class="pager" aria-label={props.label}>
      <button type="button" disabled={pages.index === 0} onClick={pages.previous}>
        Previous
      </button>
      <span>Page {pages.index + 1}</span>
      <button type="button" disabled={nextCursor === undefined} onClick={() => nextCursor && pages.next(nextCursor)}>
        Next
      </button>
    </nav>
  );
}
