/**
 * A data table in a labelled region that scrolls sideways when the screen is narrower than the table (a phone), and
 * takes the keyboard's focus so that it can be scrolled without a pointer.
 */
import type { ComponentChildren } from 'preact';

export function Table(props: { label: string; children: ComponentChildren }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard (WCAG 2.1.1)
    <section class="table-scroll" aria-label={props.label} tabIndex={0}>
      <table>{props.children}</table>
    </section>
  );
}
