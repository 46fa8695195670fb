import { headerOf } from './headerOf.js';

const BEARER = /^Bearer +(\S+) *$/i;

/** The token of `Authorization: Bearer <token>`, or undefined (no such header, another scheme, two tokens). */
export function bearerTokenOf(event: Parameters<typeof headerOf>[0]): string | undefined {
  return BEARER.exec(headerOf(event, 'authorization') ?? '')?.[1];
}
