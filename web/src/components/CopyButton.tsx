/** Copies a value (a key shown once) to the clipboard and says so. */
import { useState } from 'preact/hooks';

export function CopyButton(props: { value: string; label: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      onClick={async () => {
        await navigator.clipboard.writeText(props.value);
        setCopied(true);
      }}
    >
      {copied ? 'Copied' : props.label}
    </button>
  );
}
