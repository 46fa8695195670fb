/**
 * Public-key mode: the tenant's C2 key (its public half and fingerprint, made on first request) and its rotation with
 * live progress; the public-key clients (among the first hundred); and the client public keys a device holds: send a
 * source client's key to a device (SetPubKey), make it forget one (RemovePubKey) or all (ResetPubKeys), by name. The
 * rotation and the device's keys only for keys that may change things.
 */
import { useState } from 'preact/hooks';
import { api, call, type Schemas } from '../api/api.js';
import { Allowed } from '../components/Allowed.js';
import { ConfirmDialog } from '../components/ConfirmDialog.js';
import { ErrorNote } from '../components/ErrorNote.js';
import { OperationProgress } from '../components/OperationProgress.js';
import { useLoad } from '../components/useLoad.js';
import { when } from '../format.js';
import { Link } from '../router.js';

/** Clients listed to find the public-key ones. */
const LISTED = 100;

export function PublicKeysPage() {
  const c2 = useLoad(() => call(api.GET('/v1/keys/c2')), []);
  const clients = useLoad(async () => {
    const page = await call(api.GET('/v1/clients', { params: { query: { limit: LISTED } } }));
    return { items: page.items.filter((client) => client.mode === 'pubkey'), more: page.cursor !== undefined };
  }, []);
  const [confirming, setConfirming] = useState(false);
  const [operationId, setOperationId] = useState<string>();
  const key = c2.data;
  return (
    <>
      <h1>Public keys</h1>
      <section aria-labelledby="c2-title">
        <h2 id="c2-title">C2 key</h2>
        <ErrorNote error={c2.error} />
        {key && (
          <>
            <dl class="facts">
              <dt>Public key</dt>
              <dd>
                <code class="secret" data-testid="c2-public-key">
                  {key.publicKey}
                </code>
              </dd>
              <dt>Fingerprint</dt>
              <dd>
                <code data-testid="c2-fingerprint">{key.fingerprint}</code>
              </dd>
              <dt>Version</dt>
              <dd data-testid="c2-version">v{key.keyVersion}</dd>
              <dt>Since</dt>
              <dd>{when(key.updatedAt)}</dd>
              {key.pendingVersion !== undefined && (
                <>
                  <dt>Pending</dt>
                  <dd>v{key.pendingVersion}, still being sent (a rotation cut short: rotate again)</dd>
                </>
              )}
            </dl>
            <p class="hint">Public-key devices are configured with this key; it signs and protects their commands.</p>
            <Allowed>
              <div class="actions">
                <button type="button" class="primary" onClick={() => setConfirming(true)}>
                  Rotate the C2 key
                </button>
              </div>
            </Allowed>
          </>
        )}
        {confirming && key && (
          <ConfirmDialog
            title="Rotate the C2 key?"
            confirmLabel="Rotate"
            onConfirm={async () => {
              setOperationId((await call(api.POST('/v1/keys/c2/rotate'))).operation.id);
            }}
            onClose={() => setConfirming(false)}
          >
            <p>
              A new C2 key pair (v{key.keyVersion + 1}) is made and its public key sent to every public-key client under
              the current one; it is in force once the broker took every command (else it stays pending). Then each
              client's topic keys are sent again under it. Other changes of the tenant wait meanwhile.
            </p>
          </ConfirmDialog>
        )}
        {operationId && <OperationProgress key={operationId} operationId={operationId} onFinished={c2.reload} />}
      </section>

      <section aria-labelledby="pubkey-clients-title">
        <h2 id="pubkey-clients-title">Public-key clients</h2>
        <ErrorNote error={clients.error} />
        {clients.data?.items.length === 0 && (
          <p>None{clients.data.more ? ` among the first ${LISTED} clients` : ''}: enrol one with its public key.</p>
        )}
        {clients.data && clients.data.items.length > 0 && (
          <ul class="rows">
            {clients.data.items.map((client) => (
              <li key={client.id}>
                <Link href={`/clients/${client.id}`}>{client.name}</Link>
              </li>
            ))}
          </ul>
        )}
      </section>
      <Allowed>
        <ClientPublicKeys />
      </Allowed>
    </>
  );
}

type Pending = { kind: 'send' | 'remove' | 'reset'; device: Schemas['Client']; source?: Schemas['Client'] };

async function clientNamed(name: string): Promise<Schemas['Client']> {
  const found = await call(api.GET('/v1/clients', { params: { query: { name: name.trim() } } }));
  const client = found.items[0];
  if (!client) throw new Error(`No client named ${name.trim()}.`);
  return client;
}

function ClientPublicKeys() {
  const [device, setDevice] = useState('');
  const [source, setSource] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const [pending, setPending] = useState<Pending>();
  const [done, setDone] = useState<string>();

  const ask = async (kind: Pending['kind']) => {
    setError(undefined);
    setDone(undefined);
    try {
      const d = await clientNamed(device);
      setPending(kind === 'reset' ? { kind, device: d } : { kind, device: d, source: await clientNamed(source) });
    } catch (failure) {
      setError(failure);
    }
  };

  const run = async ({ kind, device: d, source: s }: Pending) => {
    const answer =
      kind === 'reset'
        ? await call(api.DELETE('/v1/clients/{clientId}/pubkeys', { params: { path: { clientId: d.id } } }))
        : kind === 'send'
          ? await call(
              api.PUT('/v1/clients/{clientId}/pubkeys/{sourceClientId}', {
                params: { path: { clientId: d.id, sourceClientId: s!.id } },
              }),
            )
          : await call(
              api.DELETE('/v1/clients/{clientId}/pubkeys/{sourceClientId}', {
                params: { path: { clientId: d.id, sourceClientId: s!.id } },
              }),
            );
    const { delivery } = answer;
    setDone(
      `${kind === 'send' ? 'Sent' : kind === 'remove' ? 'Removal sent' : 'Reset sent'} to ${d.name}: ` +
        `${delivery.delivered} of ${delivery.sent} taken by the broker.`,
    );
  };

  return (
    <section aria-labelledby="client-pubkeys-title" class="panel">
      <h2 id="client-pubkeys-title">Client public keys on a device</h2>
      <p class="hint">
        A public-key device accepts signed messages only from the clients whose public keys it was sent.
      </p>
      <form onSubmit={(event) => event.preventDefault()}>
        <label for="pubkey-device">Device (client name)</label>
        <input id="pubkey-device" required value={device} onInput={(e) => setDevice(e.currentTarget.value)} />
        <label for="pubkey-source">Source client (whose public key)</label>
        <input id="pubkey-source" value={source} onInput={(e) => setSource(e.currentTarget.value)} />
        <div class="actions">
          <button type="button" class="primary" disabled={!device || !source} onClick={() => ask('send')}>
            Send its public key
          </button>
          <button type="button" disabled={!device || !source} onClick={() => ask('remove')}>
            Remove its public key
          </button>
          <button type="button" class="danger" disabled={!device} onClick={() => ask('reset')}>
            Remove every public key
          </button>
        </div>
      </form>
      <ErrorNote error={error} />
      {done && <p role="status">{done}</p>}
      {pending && (
        <ConfirmDialog
          title={
            pending.kind === 'send'
              ? `Send ${pending.source?.name}'s public key to ${pending.device.name}?`
              : pending.kind === 'remove'
                ? `Make ${pending.device.name} forget ${pending.source?.name}'s public key?`
                : `Make ${pending.device.name} forget every public key?`
          }
          confirmLabel={pending.kind === 'send' ? 'Send' : 'Remove'}
          danger={pending.kind !== 'send'}
          onConfirm={() => run(pending)}
          onClose={() => setPending(undefined)}
        >
          <p>
            {pending.kind === 'send'
              ? `${pending.device.name} will accept messages signed by ${pending.source?.name}.`
              : pending.kind === 'remove'
                ? `${pending.device.name} will refuse messages signed by ${pending.source?.name}.`
                : `${pending.device.name} will refuse signed messages from every client until it is sent keys again.`}
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}
