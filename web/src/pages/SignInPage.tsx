/**
 * Sign-in with an API key of a tenant (`e4c2.<tenant>.<key id>.<secret>`). The key is checked with the C2 before it
 * is kept: GET /v1/keys/api/{own key id} answers an admin key with its scope; a 403 there means another scope, and
 * GET /v1/limits tells an operator or read-only key (it works) from an enrolment key (refused, as are platform keys:
 * this UI manages a tenant).
 */
import { useState } from 'preact/hooks';
import { ApiError, api, call } from '../api/api.js';
import { ErrorNote } from '../components/ErrorNote.js';
import { session, tokenInfo } from '../session.js';

async function scopeOf(token: string, keyId: string): Promise<string> {
  const headers = { authorization: `Bearer ${token}` };
  try {
    const key = await call(api.GET('/v1/keys/api/{keyId}', { params: { path: { keyId } }, headers }));
    return key.scope;
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 403) throw error;
  }
  try {
    await call(api.GET('/v1/limits', { headers }));
    return 'operator or read-only';
  } catch (error) {
    if (error instanceof ApiError && error.status === 403) {
      throw new Error('This key cannot read the tenant (an enrolment key?): sign in with an operator or admin key.');
    }
    throw error;
  }
}

export function SignInPage() {
  const [token, setToken] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setError(undefined);
    const trimmed = token.trim();
    const info = tokenInfo(trimmed);
    if (!info) {
      setError(new Error('This is not a tenant API key (e4c2.<tenant>.<key id>.<secret>).'));
      return;
    }
    setBusy(true);
    try {
      const scope = await scopeOf(trimmed, info.keyId);
      setToken('');
      session.signIn(trimmed, scope);
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
