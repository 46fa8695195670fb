/**
 * Sign-in with an API key of a tenant (`e4c2.<tenant>.<key id>.<secret>`). The key is checked with the C2 before it
 * is kept: GET /v1/whoami answers any key with its tenant and scope; admin, operator and read-only keys are kept,
 * enrolment and platform keys refused (this UI manages a tenant).
 */
import { useState } from 'preact/hooks';
import { api, call, type Schemas } from '../api/api.js';
import { ErrorNote } from '../components/ErrorNote.js';
import { session, tokenInfo } from '../session.js';

/** Why a key of this scope cannot sign in, or undefined. */
export function refusal(scope: Schemas['WhoAmI']['scope']): string | undefined {
  if (scope === 'enrol') {
    return 'This is an enrolment key (devices use it to enrol): sign in with an admin, operator or read-only key.';
  }
  if (scope === 'platform') return 'This is a platform key: sign in with an admin, operator or read-only tenant key.';
  return undefined;
}

export function SignInPage() {
  const [token, setToken] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setError(undefined);
    const trimmed = token.trim();
    if (!tokenInfo(trimmed)) {
      setError(new Error('This is not a tenant API key (e4c2.<tenant>.<key id>.<secret>).'));
      return;
    }
    setBusy(true);
    try {
      const me = await call(api.GET('/v1/whoami', { headers: { authorization: `Bearer ${trimmed}` } }));
      const refused = refusal(me.scope);
      if (refused) throw new Error(refused);
      setToken('');
      session.signIn(trimmed, me.scope, me.tenantId);
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  };
  return (
    <main id="main" class="sign-in">
      <h1>e4c2</h1>
      <p>The key server of your devices' end-to-end encryption. Sign in with an API key of your tenant.</p>
      <form onSubmit={submit}>
        <label for="api-key">API key</label>
        <input
          id="api-key"
          type="password"
          autoComplete="off"
          spellcheck={false}
          required
          value={token}
          onInput={(event) => setToken(event.currentTarget.value)}
          placeholder="e4c2.<tenant>.<key id>.<secret>"
        />
        <p class="hint">Kept in this tab's session storage only, gone when the tab closes.</p>
        <ErrorNote error={error} />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
