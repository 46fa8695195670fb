/** The web UI: the sign-in page until a key is held, then the page of the path. */
import { useEffect, useState } from 'preact/hooks';
import { Layout } from './components/Layout.js';
import { ApiKeysPage } from './pages/ApiKeysPage.js';
import { AuditPage } from './pages/AuditPage.js';
import { ClientPage } from './pages/ClientPage.js';
import { ClientsPage } from './pages/ClientsPage.js';
import { DashboardPage } from './pages/DashboardPage.js';
import { OperationPage } from './pages/OperationPage.js';
import { OperationsPage } from './pages/OperationsPage.js';
import { PoliciesPage } from './pages/PoliciesPage.js';
import { PolicyPage } from './pages/PolicyPage.js';
import { PublicKeysPage } from './pages/PublicKeysPage.js';
import { SignInPage } from './pages/SignInPage.js';
import { TopicPage } from './pages/TopicPage.js';
import { TopicsPage } from './pages/TopicsPage.js';
import { Link, usePath } from './router.js';
import { session } from './session.js';

const TITLES: Record<string, string> = {
  clients: 'Clients',
  topics: 'Topics',
  operations: 'Operations',
  policies: 'Policies',
  audit: 'Audit trail',
  'api-keys': 'API keys',
  'public-keys': 'Public keys',
};

/** The tab's title: the section, and the id of the page's record. */
function titleOf(path: string, signedIn: boolean): string {
  if (!signedIn) return 'Sign in · e4c2';
  const [, section = '', id] = path.split('/');
  const name = section === '' ? 'Dashboard' : (TITLES[section] ?? 'Not found');
  return `${id ? `${name}: ${decodeURIComponent(id).slice(0, 40)}` : name} · e4c2`;
}

function page(path: string) {
  if (path === '/') return <DashboardPage />;
  if (path === '/clients') return <ClientsPage />;
  if (path === '/topics') return <TopicsPage />;
  if (path === '/operations') return <OperationsPage />;
  if (path === '/policies') return <PoliciesPage />;
  if (path === '/audit') return <AuditPage />;
  if (path === '/api-keys') return <ApiKeysPage />;
  if (path === '/public-keys') return <PublicKeysPage />;
  const [, section, id] = path.split('/');
  if (id) {
    const key = decodeURIComponent(id);
    if (section === 'clients') return <ClientPage key={key} clientId={key} />;
    if (section === 'topics') return <TopicPage key={key} topicHash={key} />;
    if (section === 'operations') return <OperationPage key={key} operationId={key} />;
    if (section === 'policies') return <PolicyPage key={key} policyId={key} />;
  }
  return (
    <>
      <h1>Not found</h1>
      <p>
        No page at this address. <Link href="/">Back to the dashboard</Link>.
      </p>
    </>
  );
}

export function App() {
  const [signedIn, setSignedIn] = useState(session.apiKey() !== undefined);
  useEffect(() => session.subscribe(() => setSignedIn(session.apiKey() !== undefined)), []);
  const path = usePath();
  useEffect(() => {
    document.title = titleOf(path, signedIn);
  }, [path, signedIn]);
  if (!signedIn) return <SignInPage />;
  return <Layout>{page(path)}</Layout>;
}
