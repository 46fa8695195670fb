/**
 * The operator web UI on AWS (infra/constructs/WebUiDistribution.ts), on the app with every web UI option set (a
 * custom domain, a web ACL, `destroy`): the private bucket reached through Origin Access Control by this distribution
 * only, the behaviours and their policies, the CloudFront Function run in Node on sample requests, the deployment of
 * the files; cdk-nag and cfn-lint clean on that variant too. And `e4c2:webUi=false` leaves all of it out. The default
 * variant (no domain, no ACL, retained) is checked in serviceStack.test.ts, on its template.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { CONTEXT_KEYS } from '../../infra/config.js';
import {
  ASSETS_CACHE_CONTROL,
  INVALIDATED_PATHS,
  PAGE_CACHE_CONTROL,
  REWRITE_FUNCTION_CODE,
  WEB_UI_CSP,
} from '../../infra/constructs/WebUiDistribution.js';
import { WEB_UI_CSP as LOCAL_WEB_UI_CSP } from '../../local/serveWebUi.js';
import { serverMissing } from '../support/serverMissing.js';
import { flat, logicalIdOf, removeTestApps, testApp } from './synthApp.js';

afterAll(removeTestApps);

// biome-ignore lint/suspicious/noExplicitAny: a CloudFormation template is loosely typed JSON
type Json = any;

const WEB_ACL_ARN =
  'arn:aws:wafv2:us-east-1:123456789012:global/webacl/c2-console/a1b2c3d4-1111-2222-3333-444455556666';
const CERTIFICATE_ARN = 'arn:aws:acm:us-east-1:123456789012:certificate/abc-123';

// Prepare: one synth with every option of the UI (checks on: cdk-nag runs on this variant too).
const full = testApp({
  checks: true,
  context: {
    [CONTEXT_KEYS.webUiDomain]: { domainName: 'console.example.com', certificateArn: CERTIFICATE_ARN },
    [CONTEXT_KEYS.webAclArn]: WEB_ACL_ARN,
    [CONTEXT_KEYS.removalPolicy]: 'destroy',
  },
});
const template = Template.fromStack(full.service);
const json = template.toJSON() as { Resources: Record<string, Json>; Outputs: Record<string, Json> };
const webUi = full.service.webUi!;
const distributionId = logicalIdOf(webUi.distribution);
const bucketId = logicalIdOf(webUi.bucket);
const config = () => json.Resources[distributionId].Properties.DistributionConfig;
const behaviour = (pattern: string) => config().CacheBehaviors.find((b: Json) => b.PathPattern === pattern);
const headersPolicy = (ref: Json) => json.Resources[ref.Ref].Properties.ResponseHeadersPolicyConfig;

/** Runs the CloudFront Function's code on a viewer request of `uri`, as CloudFront would. */
function rewrite(uri: string): string {
  const handler = runInNewContext(`${REWRITE_FUNCTION_CODE}\nhandler`) as (event: Json) => Json;
  return handler({ version: '1.0', request: { method: 'GET', uri, querystring: {}, headers: {}, cookies: {} } }).uri;
}

describe('web UI distribution', () => {
  it('keeps its files in a private, encrypted, versioned, TLS-only bucket, read by this distribution only (OAC)', () => {
    const bucket = json.Resources[bucketId];
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(
      bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault,
    ).toEqual({ SSEAlgorithm: 'AES256' });
    expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(bucket.Properties.LoggingConfiguration.DestinationBucketName).toEqual({ Ref: logicalIdOf(webUi.logBucket) });
    // `destroy`: deleted with the stack, its objects emptied first.
    expect(bucket.DeletionPolicy).toBe('Delete');
    expect(bucket.Properties.Tags).toContainEqual({ Key: 'aws-cdk:auto-delete-objects', Value: 'true' });

    const [, policy] = Object.entries(json.Resources).find(
      ([, r]: [string, Json]) => r.Type === 'AWS::S3::BucketPolicy' && r.Properties.Bucket.Ref === bucketId,
    ) as [string, Json];
    const statements = policy.Properties.PolicyDocument.Statement as Json[];
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
    const reads = statements.filter((s) => s.Principal.Service === 'cloudfront.amazonaws.com');
    expect(reads).toHaveLength(1);
    expect(reads[0].Action).toBe('s3:GetObject');
    expect(flat(reads[0].Resource)).toBe(`<${bucketId}.Arn>/*`);
    expect(flat(reads[0].Condition.StringEquals['AWS:SourceArn'])).toBe(
      `arn:<AWS::Partition>:cloudfront::<AWS::AccountId>:distribution/<${distributionId}>`,
    );
    // No one else is allowed anything but the auto-delete handler of `destroy`.
    for (const statement of statements.filter((s) => s.Effect === 'Allow' && s !== reads[0])) {
      expect(flat(statement.Principal.AWS)).toMatch(/^<CustomS3AutoDeleteObjectsCustomResourceProviderRole\w+\.Arn>$/);
    }
    // Origin Access Control, not the legacy identity.
    const origin = config().Origins.find((o: Json) => o.S3OriginConfig);
    expect(origin.S3OriginConfig.OriginAccessIdentity).toBe('');
    expect(origin.OriginAccessControlId).toBeDefined();
    template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: Match.objectLike({ OriginAccessControlOriginType: 's3', SigningBehavior: 'always' }),
    });
  });

  it('answers the UI from the bucket (index.html at /, the pages rewritten) with the headers local mode sends, plus HSTS', () => {
    const ui = config().DefaultCacheBehavior;
    expect(config().DefaultRootObject).toBe('index.html');
    expect(ui.ViewerProtocolPolicy).toBe('redirect-to-https');
    expect(ui.AllowedMethods).toEqual(['GET', 'HEAD']);
    expect(ui.CachePolicyId).toBe('4135ea2d-6df8-44a3-9df3-4b5a84be39ad'); // Managed-CachingDisabled
    expect(ui.FunctionAssociations).toEqual([
      { EventType: 'viewer-request', FunctionARN: { 'Fn::GetAtt': [logicalIdOf(webUi.rewrite), 'FunctionARN'] } },
    ]);
    // No error page turned into index.html: the API's 404s stay JSON.
    expect(config().CustomErrorResponses).toBeUndefined();
    expect(WEB_UI_CSP).toBe(LOCAL_WEB_UI_CSP);
    for (const [policy, cacheControl] of [
      [headersPolicy(ui.ResponseHeadersPolicyId), PAGE_CACHE_CONTROL],
      [headersPolicy(behaviour('/assets/*').ResponseHeadersPolicyId), ASSETS_CACHE_CONTROL],
    ] as const) {
      expect(policy.SecurityHeadersConfig).toEqual({
        ContentSecurityPolicy: { ContentSecurityPolicy: LOCAL_WEB_UI_CSP, Override: true },
        ContentTypeOptions: { Override: true },
        FrameOptions: { FrameOption: 'DENY', Override: true },
        ReferrerPolicy: { ReferrerPolicy: 'no-referrer', Override: true },
        StrictTransportSecurity: { AccessControlMaxAgeSec: 31_536_000, IncludeSubdomains: false, Override: true },
      });
      expect(policy.CustomHeadersConfig.Items).toEqual([
        { Header: 'Cache-Control', Value: cacheControl, Override: true },
      ]);
    }
    expect(ASSETS_CACHE_CONTROL).toBe('public, max-age=31536000, immutable');
    expect(PAGE_CACHE_CONTROL).toBe('no-cache');
    // assets/: a year at the edge too.
    const assets = behaviour('/assets/*');
    expect(assets.TargetOriginId).toBe(ui.TargetOriginId);
    const cache = json.Resources[assets.CachePolicyId.Ref].Properties.CachePolicyConfig;
    expect([cache.DefaultTTL, cache.MaxTTL]).toEqual([31_536_000, 31_536_000]);
  });

  it('rewrites the UI pages to /index.html in its function, and nothing else', () => {
    expect(json.Resources[logicalIdOf(webUi.rewrite)].Properties).toMatchObject({
      FunctionCode: REWRITE_FUNCTION_CODE,
      FunctionConfig: { Runtime: 'cloudfront-js-2.0' },
      AutoPublish: true,
    });
    for (const page of ['/', '/clients', '/clients/abc', '/clients/abc/', '/topics/t%2F1', '/operations/op-1'])
      expect(rewrite(page), page).toBe('/index.html');
    for (const file of ['/index.html', '/assets/x.js', '/assets/index-Ab12.css', '/favicon.ico', '/robots.txt'])
      expect(rewrite(file), file).toBe(file);
    // Its own behaviours keep /v1 away from it; should one ever reach it, it passes through.
    for (const api of ['/v1', '/v1/', '/v1/clients', '/v1/clients/abc']) expect(rewrite(api), api).toBe(api);
  });

  it('sends /v1 and below to the HTTP API (HTTPS only, no cache, every method, Authorization and query forwarded)', () => {
    const api = config().Origins.find((o: Json) => o.CustomOriginConfig);
    expect(flat(api.DomainName)).toBe(`<${logicalIdOf(full.service.api)}>.execute-api.eu-west-1.<AWS::URLSuffix>`);
    expect(api.CustomOriginConfig).toEqual({ OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'] });
    expect(api.OriginPath).toBeUndefined();
    for (const pattern of ['/v1', '/v1/*']) {
      expect(behaviour(pattern), pattern).toEqual({
        PathPattern: pattern,
        TargetOriginId: api.Id,
        ViewerProtocolPolicy: 'redirect-to-https',
        AllowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'],
        CachePolicyId: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad', // Managed-CachingDisabled
        OriginRequestPolicyId: 'b689b0a8-53d0-40ab-baf2-68738e2966ac', // Managed-AllViewerExceptHostHeader
        Compress: true,
      });
    }
    // The API's behaviours come before the catch-all of the UI (CloudFront takes the first match in order).
    expect(config().CacheBehaviors.map((b: Json) => b.PathPattern)).toEqual(['/v1', '/v1/*', '/assets/*']);
  });

  it('takes the custom domain with TLS 1.2 and the web ACL, logs its requests, and says where it is', () => {
    expect(config().Aliases).toEqual(['console.example.com']);
    expect(config().ViewerCertificate).toEqual({
      AcmCertificateArn: CERTIFICATE_ARN,
      MinimumProtocolVersion: 'TLSv1.2_2021',
      SslSupportMethod: 'sni-only',
    });
    expect(config().WebACLId).toBe(WEB_ACL_ARN);
    expect(flat(config().Logging.Bucket)).toBe(`<${logicalIdOf(webUi.logBucket)}.RegionalDomainName>`);
    expect(json.Resources[logicalIdOf(webUi.logBucket)].Properties.OwnershipControls).toEqual({
      Rules: [{ ObjectOwnership: 'BucketOwnerPreferred' }],
    });
    expect(json.Outputs.WebUiUrl.Value).toBe('https://console.example.com');
    expect(json.Outputs.WebUiDistributionDomain.Value).toEqual({
      'Fn::GetAtt': [distributionId, 'DomainName'],
    });
  });

  it('deploys the built files (pruning the old ones) and invalidates /index.html', () => {
    template.hasResourceProperties('Custom::CDKBucketDeployment', {
      DestinationBucketName: { Ref: bucketId },
      DistributionId: { Ref: distributionId },
      DistributionPaths: [...INVALIDATED_PATHS],
      Prune: true,
    });
    expect(INVALIDATED_PATHS).toEqual(['/index.html']);
  });

  it('passes cdk-nag (every finding acknowledged) in this variant', () => {
    full.app.synth();
    for (const stack of [full.stateful, full.service]) {
      expect(Annotations.fromStack(stack).findError('*', Match.anyValue())).toEqual([]);
      expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
    }
    const report = JSON.parse(readFileSync(join(full.outdir, 'validation-report.json'), 'utf8'));
    expect(report.pluginReports.flatMap((plugin: Json) => plugin.violations)).toEqual([]);
  }, 120_000);

  const lintMissing = () => {
    const probe = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
    return probe.error || probe.status !== 0 ? 'cfn-lint is not on the PATH (pip install cfn-lint)' : undefined;
  };
  it.skipIf(serverMissing(lintMissing()))(
    'passes cfn-lint in this variant',
    () => {
      full.app.synth();
      const templates = readdirSync(full.outdir)
        .filter((file) => file.endsWith('.template.json'))
        .map((file) => join(full.outdir, file));
      const lint = spawnSync('cfn-lint', ['--format', 'parseable', '--', ...templates], { encoding: 'utf8' });
      expect(`${lint.stdout}${lint.stderr}`).toBe('');
      expect(lint.status).toBe(0);
    },
    120_000,
  );
});

describe('e4c2:webUi=false', () => {
  it('leaves the UI, its buckets, distribution and output out', () => {
    // Prepare
    const { service } = testApp({ context: { [CONTEXT_KEYS.webUi]: 'false' } });
    // Act
    const without = Template.fromStack(service).toJSON() as { Resources: Record<string, Json>; Outputs: Json };
    // Assess
    expect(service.webUi).toBeUndefined();
    const types = new Set(Object.values(without.Resources).map((resource: Json) => resource.Type as string));
    for (const type of ['AWS::CloudFront::Distribution', 'AWS::S3::Bucket', 'Custom::CDKBucketDeployment'])
      expect(types.has(type), type).toBe(false);
    expect(Object.keys(without.Outputs)).not.toContain('WebUiUrl');
    expect(Object.keys(without.Outputs)).toContain('ApiUrl');
  }, 60_000);
});
