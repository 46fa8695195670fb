/**
 * The frame of every signed-in page: skip link, navigation (API keys for admin keys only), who is signed in (tenant,
 * scope), sign-out, and for a read-only key the note that explains why no page offers a change.
 */
import type { ComponentChildren } from 'preact';
import { Link, navigate, usePath } from '../router.js';
import { session } from '../session.js';

const SECTIONS: readonly { href: string; label: string; admin?: boolean }[] = [
  { href: '/', label: 'Dashboard' },
  { href: '/clients', label: 'Clients' },
  { href: '/topics', label: 'Topics' },
  { href: '/operations', label: 'Operations' },
  { href: '/policies', label: 'Policies' },
  { href: '/audit', label: 'Audit trail' },
  { href: '/public-keys', label: 'Public keys' },
  { href: '/api-keys', label: 'API keys', admin: true },
];

export function Layout(props: { children: ComponentChildren }) {
  const path = usePath();
  const current = (href: string) => (href === '/' ? path === '/' : path === href || path.startsWith(`${href}/`));
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header>
        <span class="brand">e4c2</span>
        <nav aria-label="Sections">
          {SECTIONS.filter((section) => !section.admin || session.may('admin')).map((section) => (
            <Link key={section.href} href={section.href} current={current(section.href)}>
              {section.label}
            </Link>
          ))}
        </nav>
        <div class="who">
          <span>
            Tenant <strong data-testid="tenant">{session.tenant()}</strong> · scope{' '}
            <strong data-testid="scope">{session.scope()}</strong>
          </span>
          <button
            type="button"
            onClick={() => {
              session.signOut();
              navigate('/');
            }}
          >
            Sign out
          </button>
        </div>
      </header>
      <main id="main">
        {!session.may('operator') && (
          <p class="read-only-note" data-testid="read-only-note">
            Signed in read-only: changes are hidden.
          </p>
        )}
        {props.children}
      </main>
    </>
  );
}
