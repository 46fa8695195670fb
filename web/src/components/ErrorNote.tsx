/** An error shown where it happened, announced to screen readers. */
import { messageOf } from '../api/api.js';

export function ErrorNote(props: { error: unknown }) {
  if (props.error === undefined) return null;
  return (
    <p class="error" role="alert">
      {messageOf(props.error)}
    </p>
  );
}
