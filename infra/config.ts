/**
 * Every option of the CDK app, in one place: read from the CDK context (`cdk.json` "context", or `-c key=value` on
 * the command line), checked, with a default for each. infra/README.md documents them; nothing else in infra/ reads
 * the context or the environment.
 *
 * | key | default | what |
 * |---|---|---|
 * | `e4c2:account` | `123456789012` (a placeholder: set it to deploy) | AWS account of both stacks |
 * | `e4c2:region` | `eu-west-1` | AWS region of both stacks |
 * | `e4c2:stage` | `dev` | stage name: `[a-z][a-z0-9]{0,15}` |
 * | `e4c2:namePrefix` | `e4c2-<stage>` | prefix of stack and resource names |
 * | `e4c2:logRetentionDays` | `30` | retention of every log group (a CloudWatch Logs value: 1, 3, 5, 7, 14, 30, ...) |
 * | `e4c2:removalPolicy` | `retain` | `retain` or `destroy`: the table, the KMS key, the log groups, the web UI's buckets |
 * | `e4c2:customDomain` | none | `{ "domainName": "...", "certificateArn": "..." }` for the HTTP API |
 * | `e4c2:alarmEmail` | none | e-mail address subscribed to the alarm topic |
 * | `e4c2:iotDataEndpoint` | looked up at deploy time | the account's `iot:Data-ATS` endpoint (host name) |
 * | `e4c2:logLevel` | `INFO` | `LOG_LEVEL` of the functions |
 * | `e4c2:metricsNamespace` | `E4C2` | CloudWatch namespace of the functions' metrics |
 * | `e4c2:apiRateLimit` | `50` | HTTP API steady-state requests per second |
 * | `e4c2:apiBurstLimit` | `100` | HTTP API burst |
 * | `e4c2:webUi` | `true` | deploy the operator web UI (S3 + CloudFront, the API under `/v1` of the same origin) |
 * | `e4c2:webUiDomain` | none | `{ "domainName": "...", "certificateArn": "..." }` for the UI (certificate in us-east-1) |
 * | `e4c2:webAclArn` | none | a WAFv2 web ACL of scope CLOUDFRONT (us-east-1) attached to the UI's distribution |
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

/** The account and region when none is configured: synth stays deterministic and needs no credentials. */
export const DUMMY_ACCOUNT = '123456789012';
export const DEFAULT_REGION = 'eu-west-1';

export const CONTEXT_KEYS = {
  account: 'e4c2:account',
  region: 'e4c2:region',
  stage: 'e4c2:stage',
  namePrefix: 'e4c2:namePrefix',
  logRetentionDays: 'e4c2:logRetentionDays',
  removalPolicy: 'e4c2:removalPolicy',
  customDomain: 'e4c2:customDomain',
  alarmEmail: 'e4c2:alarmEmail',
  iotDataEndpoint: 'e4c2:iotDataEndpoint',
  logLevel: 'e4c2:logLevel',
  metricsNamespace: 'e4c2:metricsNamespace',
  apiRateLimit: 'e4c2:apiRateLimit',
  apiBurstLimit: 'e4c2:apiBurstLimit',
  webUi: 'e4c2:webUi',
  webUiDomain: 'e4c2:webUiDomain',
  webAclArn: 'e4c2:webAclArn',
} as const;

export interface CustomDomainConfig {
  /** e.g. `c2.example.com`; its DNS record (CNAME or alias to the stack output `ApiDomainTarget`) is the operator's. */
  readonly domainName: string;
  /** ACM certificate of the domain, in the stacks' region. */
  readonly certificateArn: string;
}

/** The operator web UI's CloudFront distribution (infra/constructs/WebUiDistribution.ts). */
export interface WebUiConfig {
  /** A custom domain of the distribution; its certificate is in us-east-1 (CloudFront's region). */
  readonly domain: CustomDomainConfig | undefined;
  /** ARN of a WAFv2 web ACL of scope CLOUDFRONT (which lives in us-east-1), attached to the distribution. */
  readonly webAclArn: string | undefined;
}

export interface InfraConfig {
  readonly account: string;
  readonly region: string;
  readonly stage: string;
  readonly namePrefix: string;
  readonly logRetention: RetentionDays;
  /** Of the stateful resources: the table, the KMS key, the log groups, the web UI's buckets. */
  readonly removalPolicy: RemovalPolicy.RETAIN | RemovalPolicy.DESTROY;
  readonly customDomain: CustomDomainConfig | undefined;
  readonly alarmEmail: string | undefined;
  readonly iotDataEndpoint: string | undefined;
  readonly logLevel: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  readonly metricsNamespace: string;
  /** `POWERTOOLS_SERVICE_NAME` of every function, and the `service` dimension of their metrics. */
  readonly serviceName: string;
  readonly apiRateLimit: number;
  readonly apiBurstLimit: number;
  /** The operator web UI and its distribution; undefined when `e4c2:webUi` is false. */
  readonly webUi: WebUiConfig | undefined;
}

const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
const RETENTION_DAYS = new Set<number>(
  Object.values(RetentionDays).filter((value): value is number => typeof value === 'number'),
);

class ConfigError extends Error {
  constructor(key: string, message: string) {
    super(`cdk context "${key}": ${message}`);
    this.name = 'ConfigError';
  }
}

function text(scope: Construct, key: string, pattern: RegExp, what: string): string | undefined {
  const value: unknown = scope.node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || !pattern.test(value)) throw new ConfigError(key, `must be ${what}`);
  return value;
}

function integer(scope: Construct, key: string, min: number, max: number): number | undefined {
  const value: unknown = scope.node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < min || number > max) {
    throw new ConfigError(key, `must be an integer from ${min} to ${max}`);
  }
  return number;
}

function customDomain(
  scope: Construct,
  key: string = CONTEXT_KEYS.customDomain,
  certificateRegion = '[a-z0-9-]+',
): CustomDomainConfig | undefined {
  let value: unknown = scope.node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      throw new ConfigError(key, 'must be a JSON object { "domainName", "certificateArn" }');
    }
  }
  const { domainName, certificateArn } = (value ?? {}) as Record<string, unknown>;
  if (
    typeof domainName !== 'string' ||
    !/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(domainName)
  ) {
    throw new ConfigError(key, '"domainName" must be a lowercase DNS name');
  }
  if (
    typeof certificateArn !== 'string' ||
    !new RegExp(`^arn:aws[a-z-]*:acm:${certificateRegion}:\\d{12}:certificate\\/[\\w-]+$`).test(certificateArn)
  ) {
    throw new ConfigError(
      key,
      certificateRegion === 'us-east-1'
        ? '"certificateArn" must be the ARN of an ACM certificate in us-east-1 (CloudFront takes certificates from there only)'
        : '"certificateArn" must be the ARN of an ACM certificate',
    );
  }
  return { domainName, certificateArn };
}

function flag(scope: Construct, key: string): boolean | undefined {
  const value: unknown = scope.node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new ConfigError(key, 'must be true or false');
}

/**
 * The web UI's options. A WAFv2 web ACL for CloudFront has scope CLOUDFRONT and lives in us-east-1, whatever the
 * stacks' region: its ARN is `arn:aws:wafv2:us-east-1:<account>:global/webacl/<name>/<id>`.
 */
function webUi(scope: Construct): WebUiConfig | undefined {
  const domain = customDomain(scope, CONTEXT_KEYS.webUiDomain, 'us-east-1');
  const webAclArn = text(
    scope,
    CONTEXT_KEYS.webAclArn,
    /^arn:aws:wafv2:us-east-1:\d{12}:global\/webacl\/[\w-]{1,128}\/[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/,
    'the ARN of a WAFv2 web ACL of scope CLOUDFRONT, in us-east-1: ' +
      'arn:aws:wafv2:us-east-1:<account>:global/webacl/<name>/<id> (a REGIONAL ACL, .../regional/webacl/..., cannot ' +
      'protect a CloudFront distribution)',
  );
  if (flag(scope, CONTEXT_KEYS.webUi) === false) {
    for (const [key, value] of [
      [CONTEXT_KEYS.webUiDomain, domain],
      [CONTEXT_KEYS.webAclArn, webAclArn],
    ] as const) {
      if (value !== undefined) throw new ConfigError(key, `is set while "${CONTEXT_KEYS.webUi}" is false`);
    }
    return undefined;
  }
  return { domain, webAclArn };
}

/** The app's configuration from the context of `scope` (the App), with every default applied. */
export function loadConfig(scope: Construct): InfraConfig {
  // Not CDK_DEFAULT_ACCOUNT/REGION: the CLI sets them from whatever credentials it finds, and the templates would
  // change with the machine. A deployment names its account and region.
  const account = text(scope, CONTEXT_KEYS.account, /^\d{12}$/, 'a 12-digit AWS account id') ?? DUMMY_ACCOUNT;
  const region =
    text(scope, CONTEXT_KEYS.region, /^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region such as eu-west-1') ?? DEFAULT_REGION;
  const stage = text(scope, CONTEXT_KEYS.stage, /^[a-z][a-z0-9]{0,15}$/, 'lowercase letters and digits') ?? 'dev';
  const namePrefix =
    text(scope, CONTEXT_KEYS.namePrefix, /^[a-z][a-z0-9-]{0,23}[a-z0-9]$/, 'lowercase letters, digits and "-"') ??
    `e4c2-${stage}`;
  const retentionDays = integer(scope, CONTEXT_KEYS.logRetentionDays, 1, 9999) ?? 30;
  if (!RETENTION_DAYS.has(retentionDays)) {
    throw new ConfigError(CONTEXT_KEYS.logRetentionDays, `must be one of ${[...RETENTION_DAYS].join(', ')}`);
  }
  const removal = text(scope, CONTEXT_KEYS.removalPolicy, /^(retain|destroy)$/, '"retain" or "destroy"') ?? 'retain';
  const logLevel = (text(scope, CONTEXT_KEYS.logLevel, /^(DEBUG|INFO|WARN|ERROR)$/, LOG_LEVELS.join(', ')) ??
    'INFO') as InfraConfig['logLevel'];
  const apiRateLimit = integer(scope, CONTEXT_KEYS.apiRateLimit, 1, 10_000) ?? 50;
  const apiBurstLimit = integer(scope, CONTEXT_KEYS.apiBurstLimit, 1, 5_000) ?? 100;
  return {
    account,
    region,
    stage,
    namePrefix,
    logRetention: retentionDays as RetentionDays,
    removalPolicy: removal === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    customDomain: customDomain(scope),
    alarmEmail: text(scope, CONTEXT_KEYS.alarmEmail, /^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'an e-mail address'),
    iotDataEndpoint: text(
      scope,
      CONTEXT_KEYS.iotDataEndpoint,
      /^[a-z0-9]+(-ats)?\.iot\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/,
      'an AWS IoT data endpoint host name (xxxx-ats.iot.<region>.amazonaws.com)',
    ),
    logLevel,
    metricsNamespace:
      text(scope, CONTEXT_KEYS.metricsNamespace, /^[A-Za-z0-9_/#:.-]{1,255}$/, 'a CloudWatch namespace') ?? 'E4C2',
    serviceName: namePrefix,
    apiRateLimit,
    apiBurstLimit,
    webUi: webUi(scope),
  };
}
