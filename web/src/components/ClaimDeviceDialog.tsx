/**
 * Claiming a factory device by the code on its label (POST /v1/claims), in a modal dialog: the code and the topics to
 * put the device on (names, one a line). The code is held in the dialog's state only (no `name`, so never in a URL;
 * never in the history or session storage), cleared once claimed and gone when the dialog closes. The answer says
 * which client the device became, that it gets a new identity key on its first connection, the topics linked and,
 * in local mode, its broker password (shown this once); a refusal is the API's message, in the dialog. While the
 * claim is in flight the dialog does not close (Esc, Cancel), so that its answer is not dropped.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, call, type Schemas } from '../api/api.js';
import { Link } from '../router.js';
import { BrokerCredentials } from './BrokerCredentials.js';
import { ErrorNote } from './ErrorNote.js';

interface Claimed {
  readonly client: Schemas['Client'];
  readonly topics: string[];
  readonly mqtt?: Schemas['MqttCredentials'];
}

export function ClaimDeviceDialog(props: { onClaimed(): void; onClose(): void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [code, setCode] = useState('');
  const [topics, setTopics] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [claimed, setClaimed] = useState<Claimed>();
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  const submit = async (event: Event) => {
    event.preventDefault();
    setError(undefined);
    setBusy(true);
    const names = [...new Set(topics.split('\n').map((name) => name.trim()))].filter(Boolean);
    try {
      const answer = await call(api.POST('/v1/claims', { body: { code, ...(names.length ? { topics: names } : {}) } }));
      setClaimed(answer);
      setCode('');
      setTopics('');
      props.onClaimed();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <dialog
      ref={dialog}
      aria-labelledby="claim-title"
      onClose={props.onClose}
      onCancel={(event) => {
        // Esc while the claim is in flight would drop its answer (the broker password is shown once).
        if (busy) event.preventDefault();
      }}
    >
      <h2 id="claim-title">Claim a factory device</h2>
      {claimed ? (
        <div class="created" role="status">
          <p>
            Claimed: <Link href={`/clients/${claimed.client.id}`}>{claimed.client.name}</Link> (
            <code data-testid="claimed-id">{claimed.client.id}</code>).
          </p>
          <p>It gets a new identity key on its first connection, so the factory's key stops mattering.</p>
          <p data-testid="claimed-topics">
            {claimed.topics.length ? `Put on ${claimed.topics.join(', ')}.` : 'Put on no topic.'}
          </p>
          {claimed.mqtt && <BrokerCredentials mqtt={claimed.mqtt} />}
        </div>
      ) : (
        <form id="claim-form" onSubmit={submit}>
          <label for="claim-code">Claim code (on the device's label)</label>
          <input
            id="claim-code"
            type="text"
            autoComplete="off"
            autoCapitalize="characters"
            spellcheck={false}
            required
            value={code}
            onInput={(e) => setCode(e.currentTarget.value)}
          />
          <label for="claim-topics">Put on topics (their names, one a line; optional)</label>
          <textarea id="claim-topics" rows={3} value={topics} onInput={(e) => setTopics(e.currentTarget.value)} />
          <ErrorNote error={error} />
        </form>
      )}
      <div class="actions">
        <button type="button" onClick={() => dialog.current?.close()} disabled={busy}>
          {claimed ? 'Close' : 'Cancel'}
        </button>
        {!claimed && (
          <button type="submit" form="claim-form" class="primary" disabled={busy}>
            {busy ? 'Claiming…' : 'Claim'}
          </button>
        )}
      </div>
    </dialog>
  );
}
