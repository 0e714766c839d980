import { useState } from 'preact/hooks';
import { api, ApiError, signIn, signOut } from './api.js';
import { Inbox } from './inbox.js';
import type { Me } from './types.js';

/** Signed out: the sign-in form; signed in: the inbox. */
export function App() {
  const [me, setMe] = useState<Me | null>(null);
  if (!me) return <SignIn onSignedIn={setMe} />;
  return <Inbox me={me} onMeChanged={setMe} onSignOut={() => void signOut().then(() => setMe(null))} />;
}

function SignIn({ onSignedIn }: { onSignedIn(me: Me): void }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const input = form.elements.namedItem('key') as HTMLInputElement;
    setBusy(true);
    setError(null);
    try {
      await signIn(input.value.trim());
      // The key is exchanged: it is not kept in the page, not even in the form.
      input.value = '';
      onSignedIn(await api<Me>('GET', '/v1/me'));
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? 'This API key is not valid.' : (err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <main class="sign-in">
      <form onSubmit={(e) => void submit(e)} aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">Omnigate console</h1>
        <p>Sign in with your agent API key. It is exchanged for a session that ends after 8 hours or when you sign out; the key is not stored.</p>
        <label for="key">API key</label>
        <input id="key" name="key" type="password" autocomplete="off" required placeholder="og_…" />
        {error && (
          <p role="alert" class="error">
            {error}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
