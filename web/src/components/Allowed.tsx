/**
 * Shows its children only to a key whose scope grants `scope` (session.may): the change actions of every page sit in
 * one, so a read-only sign-in sees none it would be refused (403) after the click. Default `operator`: every change of
 * the tenant but its API keys.
 */
import type { ComponentChildren } from 'preact';
import { type Scope, session } from '../session.js';

export function Allowed(props: { scope?: Scope; children: ComponentChildren }) {
  return session.may(props.scope ?? 'operator') ? <>{props.children}</> : null;
}
