import { App, RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { CONTEXT_KEYS, loadConfig } from '../../infra/config.js';

const configOf = (context: Record<string, unknown> = {}) => loadConfig(new App({ context }));

const WEB_ACL_ARN =
  'arn:aws:wafv2:us-east-1:111122223333:global/webacl/c2-console/a1b2c3d4-1111-2222-3333-444455556666';

describe('infra config (CDK context)', () => {
  it('has a default for every option: a placeholder account, eu-west-1, stage dev, retained, 30 days', () => {
    // Act
    const config = configOf();
    // Assess
    expect(config).toEqual({
      account: '123456789012',
      region: 'eu-west-1',
      stage: 'dev',
      namePrefix: 'e4c2-dev',
      logRetention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.RETAIN,
      customDomain: undefined,
      alarmEmail: undefined,
      iotDataEndpoint: undefined,
      logLevel: 'INFO',
      metricsNamespace: 'E4C2',
      serviceName: 'e4c2-dev',
      apiRateLimit: 50,
      apiBurstLimit: 100,
      webUi: { domain: undefined, webAclArn: undefined },
    });
  });

  it('reads every key, from cdk.json values or -c strings alike', () => {
    // Act
    const config = configOf({
      [CONTEXT_KEYS.account]: '111122223333',
      [CONTEXT_KEYS.region]: 'us-west-2',
      [CONTEXT_KEYS.stage]: 'prod',
      [CONTEXT_KEYS.namePrefix]: 'acme-c2',
      [CONTEXT_KEYS.logRetentionDays]: '365',
      [CONTEXT_KEYS.removalPolicy]: 'destroy',
      [CONTEXT_KEYS.customDomain]: {
        domainName: 'c2.example.com',
        certificateArn: 'arn:aws:acm:us-west-2:111122223333:certificate/abc-123',
      },
      [CONTEXT_KEYS.alarmEmail]: 'ops@example.com',
      [CONTEXT_KEYS.iotDataEndpoint]: 'a1b2c3d4e5f6g7-ats.iot.us-west-2.amazonaws.com',
      [CONTEXT_KEYS.logLevel]: 'DEBUG',
      [CONTEXT_KEYS.metricsNamespace]: 'Acme/C2',
      [CONTEXT_KEYS.apiRateLimit]: 200,
      [CONTEXT_KEYS.apiBurstLimit]: '400',
      [CONTEXT_KEYS.webUi]: 'true',
      [CONTEXT_KEYS.webUiDomain]: JSON.stringify({
        domainName: 'console.example.com',
        certificateArn: 'arn:aws:acm:us-east-1:111122223333:certificate/def-456',
      }),
      [CONTEXT_KEYS.webAclArn]: WEB_ACL_ARN,
    });
    // Assess
    expect(config).toEqual({
      account: '111122223333',
      region: 'us-west-2',
      stage: 'prod',
      namePrefix: 'acme-c2',
      logRetention: RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.DESTROY,
      customDomain: {
        domainName: 'c2.example.com',
        certificateArn: 'arn:aws:acm:us-west-2:111122223333:certificate/abc-123',
      },
      alarmEmail: 'ops@example.com',
      iotDataEndpoint: 'a1b2c3d4e5f6g7-ats.iot.us-west-2.amazonaws.com',
      logLevel: 'DEBUG',
      metricsNamespace: 'Acme/C2',
      serviceName: 'acme-c2',
      apiRateLimit: 200,
      apiBurstLimit: 400,
      webUi: {
        domain: {
          domainName: 'console.example.com',
          certificateArn: 'arn:aws:acm:us-east-1:111122223333:certificate/def-456',
        },
        webAclArn: WEB_ACL_ARN,
      },
    });
  });

  it('leaves the web UI out with e4c2:webUi false (a boolean or -c text)', () => {
    for (const value of [false, 'false']) {
      expect(configOf({ [CONTEXT_KEYS.webUi]: value }).webUi, String(value)).toBeUndefined();
    }
  });

  it('refuses values it cannot use, naming the key', () => {
    const refused: Array<[string, unknown]> = [
      [CONTEXT_KEYS.account, '1234'],
      [CONTEXT_KEYS.region, 'europe'],
      [CONTEXT_KEYS.stage, 'Prod'],
      [CONTEXT_KEYS.namePrefix, 'has space'],
      [CONTEXT_KEYS.logRetentionDays, 31],
      [CONTEXT_KEYS.logRetentionDays, 'a month'],
      [CONTEXT_KEYS.removalPolicy, 'snapshot'],
      [CONTEXT_KEYS.customDomain, '{not json'],
      [CONTEXT_KEYS.customDomain, { domainName: 'c2.example.com' }],
      [CONTEXT_KEYS.alarmEmail, 'ops'],
      [CONTEXT_KEYS.iotDataEndpoint, 'https://example.com'],
      [CONTEXT_KEYS.logLevel, 'TRACE'],
      [CONTEXT_KEYS.apiRateLimit, 0],
      [CONTEXT_KEYS.apiBurstLimit, 1.5],
      [CONTEXT_KEYS.webUi, 'no'],
      // CloudFront takes its certificates from us-east-1 only.
      [
        CONTEXT_KEYS.webUiDomain,
        { domainName: 'c2.example.com', certificateArn: 'arn:aws:acm:eu-west-1:111122223333:certificate/abc' },
      ],
      // A REGIONAL web ACL cannot protect a distribution; nor an ACL of another region, a rule group, a truncated id.
      [CONTEXT_KEYS.webAclArn, WEB_ACL_ARN.replace('us-east-1', 'eu-west-1').replace('global', 'regional')],
      [CONTEXT_KEYS.webAclArn, WEB_ACL_ARN.replace('us-east-1', 'eu-west-1')],
      [CONTEXT_KEYS.webAclArn, WEB_ACL_ARN.replace('webacl', 'rulegroup')],
      [CONTEXT_KEYS.webAclArn, WEB_ACL_ARN.slice(0, -4)],
      [CONTEXT_KEYS.webAclArn, 'c2-web-acl'],
    ];
    for (const [key, value] of refused) {
      expect(() => configOf({ [key]: value }), `${key}=${JSON.stringify(value)}`).toThrow(`cdk context "${key}"`);
    }
  });

  it('refuses a web ACL or a UI domain when the UI is left out (they would be ignored silently)', () => {
    for (const [key, value] of [
      [CONTEXT_KEYS.webAclArn, WEB_ACL_ARN],
      [
        CONTEXT_KEYS.webUiDomain,
        { domainName: 'c2.example.com', certificateArn: 'arn:aws:acm:us-east-1:111122223333:certificate/abc' },
      ],
    ] as const) {
      expect(() => configOf({ [CONTEXT_KEYS.webUi]: false, [key]: value }), key).toThrow(
        `cdk context "${key}": is set while "${CONTEXT_KEYS.webUi}" is false`,
      );
    }
  });

  it("ignores the CLI's CDK_DEFAULT_ACCOUNT and CDK_DEFAULT_REGION (templates do not depend on the machine)", () => {
    // Prepare
    const saved = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };
    process.env.CDK_DEFAULT_ACCOUNT = '999999999999';
    process.env.CDK_DEFAULT_REGION = 'ap-south-1';
    try {
      // Act
      const config = configOf();
      // Assess
      expect([config.account, config.region]).toEqual(['123456789012', 'eu-west-1']);
    } finally {
      for (const [name, value] of [
        ['CDK_DEFAULT_ACCOUNT', saved.account],
        ['CDK_DEFAULT_REGION', saved.region],
      ] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });
});
