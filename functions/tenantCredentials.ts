/**
 * The credentials a function acts with for one tenant on AWS: STS AssumeRole of the TenantAccessRole with the session
 * tag `tenant=<id>` (infra/constructs/TenantAccessRole.ts), whose policy lets them reach only the table items of
 * partition `T#<id>` (`dynamodb:LeadingKeys`) and only data keys of encryption context `tenant=<id>` (KMS), so that a
 * bug in a use case cannot cross tenants. 15 minutes each, kept until a minute before they expire; one AssumeRole at
 * a time per tenant (callers of a renewal in flight wait for it). The provider is what an SDK client takes as
 * `credentials`; it fails (the SDK call with it) when STS refuses.
 */
import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import { validateTenantId } from '../shared/c2/apiKeys/validateTenantId.js';

/** The session tag the TenantAccessRole's policies read as `aws:PrincipalTag/tenant`. */
export const TENANT_TAG = 'tenant';
export const TENANT_SESSION_SECONDS = 900;
/** Renewed this long before they expire. */
export const RENEW_BEFORE_MS = 60_000;

export interface TenantCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiration: Date;
}

export type TenantCredentialsProvider = () => Promise<TenantCredentials>;

/** The role session's name (2 to 64 of `[\w+=,.@-]`): `t.<tenant>`, cut at 64 (CloudTrail shows it; the tag decides). */
export const roleSessionName = (tenantId: string): string => `t.${tenantId}`.slice(0, 64);

export function tenantCredentials(
  sts: STSClient,
  roleArn: string,
  tenantId: string,
  clock: () => number = Date.now,
): TenantCredentialsProvider {
  validateTenantId(tenantId);
  let current: TenantCredentials | undefined;
  let pending: Promise<TenantCredentials> | undefined;
  const assume = async (): Promise<TenantCredentials> => {
    const { Credentials } = await sts.send(
      new AssumeRoleCommand({
        RoleArn: roleArn,
        RoleSessionName: roleSessionName(tenantId),
        DurationSeconds: TENANT_SESSION_SECONDS,
        Tags: [{ Key: TENANT_TAG, Value: tenantId }],
      }),
    );
    const { AccessKeyId, SecretAccessKey, SessionToken, Expiration } = Credentials ?? {};
    if (!AccessKeyId || !SecretAccessKey || !SessionToken || !Expiration) {
      throw new Error('STS answered AssumeRole without credentials');
    }
    return {
      accessKeyId: AccessKeyId,
      secretAccessKey: SecretAccessKey,
      sessionToken: SessionToken,
      expiration: Expiration,
    };
  };
  return async () => {
    if (current && current.expiration.getTime() - RENEW_BEFORE_MS > clock()) return current;
    pending ??= assume().then(
      (credentials) => {
        current = credentials;
        pending = undefined;
        return credentials;
      },
      (error: unknown) => {
        pending = undefined;
        throw error;
      },
    );
    return pending;
  };
}
