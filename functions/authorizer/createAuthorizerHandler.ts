/**
 * The HTTP API's Lambda authorizer (payload 2.0, simple responses): the bearer API key of the request turned into
 * its principal by authenticateApiKey (the decision local mode's server makes), handed to the api function as the
 * context. It never denies: a missing, malformed, unknown, revoked or expired key gets `{ refused: "unauthenticated" }`
 * and a failing store `{ refused: "unavailable" }`, answered by the api function in the API's error shape.
 * Decisions are kept in memory for {@link DECISION_TTL_MS}, keyed by the SHA-256 of the token (never the token), so
 * that a revoked or expired key is refused at most that long after; a store failure is not kept.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import type { APIGatewayRequestAuthorizerEventV2, APIGatewaySimpleAuthorizerWithContextResult } from 'aws-lambda';
import { authenticateApiKey } from '../../shared/c2/apiKeys/authenticateApiKey.js';
import type { C2Deps } from '../../shared/c2/C2Deps.js';
import { expiringCache } from '../../shared/c2/expiringCache.js';
import type { Principal } from '../../shared/c2/ports.js';
import { bytesToHex, utf8 } from '../../shared/e4/index.js';
import { bearerTokenOf } from '../api/bearerTokenOf.js';
import { describeError } from '../api/describeError.js';
import type { AuthorizerContext } from './AuthorizerContext.js';

/** How long a decision is kept: a revoked or expired key keeps working at most this long (per warm instance). */
export const DECISION_TTL_MS = 30_000;

export type AuthorizerResult = APIGatewaySimpleAuthorizerWithContextResult<AuthorizerContext>;
export type AuthorizerHandler = (event: APIGatewayRequestAuthorizerEventV2) => Promise<AuthorizerResult>;

export interface AuthorizerOptions {
  /** 30 s by default. */
  readonly ttlMs?: number;
  /** Where a store failure is logged (its name, code and message; never the token). Default: stderr. */
  readonly log?: (message: string, error: { name: string; code?: string; message: string }) => void;
}

export function createAuthorizerHandler(deps: C2Deps, options: AuthorizerOptions = {}): AuthorizerHandler {
  const log = options.log ?? ((message, error) => console.error(JSON.stringify({ level: 'error', message, error })));
  const decisions = expiringCache<Principal | undefined>({
    ttlMs: options.ttlMs ?? DECISION_TTL_MS,
    clock: deps.clock,
  });
  return async (event) => {
    const token = bearerTokenOf(event ?? {});
    if (token === undefined) return refused('unauthenticated');
    const hash = bytesToHex(sha256(utf8(token)));
    let principal: Principal | undefined;
    try {
      principal = await decisions(hash, () => authenticateApiKey(deps, token));
    } catch (error) {
      log('the API key could not be checked', describeError(error));
      return refused('unavailable');
    }
    if (!principal) return refused('unauthenticated');
    const { tenantId, keyId, scope, actor, tenantStatus } = principal;
    return {
      isAuthorized: true,
      context: { tenantId, keyId, scope, actor, ...(tenantStatus === undefined ? {} : { tenantStatus }) },
    };
  };
}

function refused(why: 'unauthenticated' | 'unavailable'): AuthorizerResult {
  return { isAuthorized: true, context: { refused: why } };
}
