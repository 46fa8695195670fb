/**
 * The operator web UI on AWS: its built files (web/, built by Vite at synth time into the cloud assembly) in a private
 * S3 bucket, served by a CloudFront distribution that also carries the HTTP API under `/v1`, so that the UI and the
 * API share one origin (the UI calls `/v1` relative, no CORS) and one place for AWS WAF. The bucket is reached only
 * through Origin Access Control; the UI's own paths (`/clients/<id>`) are rewritten to `/index.html` by a CloudFront
 * Function on the UI's behaviour only, so the API's 404s stay JSON. Headers as local mode sends them
 * (local/serveWebUi.ts: CSP, nosniff, no-referrer, DENY; `assets/` immutable for a year, the rest `no-cache`), plus
 * HSTS. Access logs (CloudFront's and the bucket's) go to a log bucket of their own.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { AssetHashType, CfnOutput, DockerImage, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import {
  AllowedMethods,
  CachePolicy,
  Function as CloudFrontFunction,
  Distribution,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  OriginSslPolicy,
  PriceClass,
  ResponseHeadersPolicy,
  type ResponseSecurityHeadersBehavior,
  SecurityPolicyProtocol,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import type { Policy } from 'aws-cdk-lib/aws-iam';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import type { WebUiConfig } from '../config.js';
import { acknowledgePolicyWildcards } from '../nag.js';
import { projectPath, projectRoot } from '../paths.js';

/**
 * The Content-Security-Policy local mode sends with the UI (local/serveWebUi.ts WEB_UI_CSP; infra imports no runtime
 * code, test/infra/webUiDistribution.test.ts checks that the two agree).
 */
export const WEB_UI_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** The API's paths on the distribution: `/v1` and below, as in local mode. */
export const API_PATH_PATTERNS = ['/v1', '/v1/*'] as const;
/** The UI's hashed files (Vite's `assets/`): cached a year, immutable. */
export const ASSETS_PATH_PATTERN = '/assets/*';
export const ASSETS_CACHE_CONTROL = 'public, max-age=31536000, immutable';
export const PAGE_CACHE_CONTROL = 'no-cache';
/** What the deployment invalidates: the page (the assets' names change with their content). */
export const INVALIDATED_PATHS = ['/index.html'] as const;

/**
 * The CloudFront Function (cloudfront-js-2.0) of the UI's default behaviour: a path whose last segment has no
 * extension is one of the UI's pages and gets `/index.html` (a reload of `/clients/<id>` works); files keep their
 * path, so a missing one is still an error. `/v1` never reaches it (its own behaviours), and it leaves it alone if
 * it ever did.
 */
export const REWRITE_FUNCTION_CODE = `function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (uri === '/v1' || uri.indexOf('/v1/') === 0) return request;
  var name = uri.substring(uri.lastIndexOf('/') + 1);
  if (name.indexOf('.') === -1) request.uri = '/index.html';
  return request;
}
`;

export interface WebUiDistributionProps {
  readonly config: WebUiConfig;
  /** The HTTP API's domain (`<api id>.execute-api.<region>.amazonaws.com`, stage `$default`). */
  readonly apiDomainName: string;
  readonly removalPolicy: RemovalPolicy.RETAIN | RemovalPolicy.DESTROY;
  readonly logRetention: RetentionDays;
}

export class WebUiDistribution extends Construct {
  readonly bucket: Bucket;
  readonly logBucket: Bucket;
  readonly distribution: Distribution;
  readonly rewrite: CloudFrontFunction;
  readonly deployment: BucketDeployment;
  /** `https://<custom domain or distribution domain>` */
  readonly url: string;

  constructor(scope: Construct, id: string, props: WebUiDistributionProps) {
    super(scope, id);
    const { config, removalPolicy } = props;
    const destroy = removalPolicy === RemovalPolicy.DESTROY;
    const logDays = Number(props.logRetention);

    // Access logs: CloudFront's standard logs need ACLs enabled on their bucket (awslogsdelivery writes them with
    // an ACL giving the bucket owner full control), hence BUCKET_OWNER_PREFERRED there and nowhere else; S3's
    // server access logs come under a bucket policy (createApp.ts).
    this.logBucket = new Bucket(this, 'Logs', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: logDays < 9999 ? [{ expiration: Duration.days(logDays) }] : [],
      removalPolicy,
      autoDeleteObjects: destroy,
    });

    this.bucket = new Bucket(this, 'Files', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // Each deployment replaces the files: earlier versions are kept a month (a rollback by hand), then expire.
      lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(30) }],
      serverAccessLogsBucket: this.logBucket,
      serverAccessLogsPrefix: 's3/',
      removalPolicy,
      autoDeleteObjects: destroy,
    });

    this.rewrite = new CloudFrontFunction(this, 'Rewrite', {
      runtime: FunctionRuntime.JS_2_0,
      comment: "The web UI's pages (extension-less paths) -> /index.html",
      code: FunctionCode.fromInline(REWRITE_FUNCTION_CODE),
    });

    const security: ResponseSecurityHeadersBehavior = {
      contentSecurityPolicy: { contentSecurityPolicy: WEB_UI_CSP, override: true },
      contentTypeOptions: { override: true },
      frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
      referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
      strictTransportSecurity: {
        accessControlMaxAge: Duration.days(365),
        includeSubdomains: false,
        override: true,
      },
    };
    const headers = (name: string, cacheControl: string) =>
      new ResponseHeadersPolicy(this, `${name}Headers`, {
        comment: `The web UI's headers (as local mode), Cache-Control: ${cacheControl}`,
        securityHeadersBehavior: security,
        customHeadersBehavior: {
          customHeaders: [{ header: 'Cache-Control', value: cacheControl, override: true }],
        },
      });
    const pageHeaders = headers('Page', PAGE_CACHE_CONTROL);
    const assetHeaders = headers('Assets', ASSETS_CACHE_CONTROL);
    const assetCache = new CachePolicy(this, 'AssetsCache', {
      comment: "The web UI's hashed files: a year at the edge (their names change with their content)",
      defaultTtl: Duration.days(365),
      minTtl: Duration.days(1),
      maxTtl: Duration.days(365),
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true,
    });

    const files = S3BucketOrigin.withOriginAccessControl(this.bucket);
    // The stage `$default` of the HTTP API, HTTPS (TLS 1.2) only.
    const api = new HttpOrigin(props.apiDomainName, {
      protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY,
      originSslProtocols: [OriginSslPolicy.TLS_V1_2],
    });
    const apiBehavior = {
      origin: api,
      viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      allowedMethods: AllowedMethods.ALLOW_ALL,
      cachePolicy: CachePolicy.CACHING_DISABLED,
      // Every viewer header (Authorization included) and the query string; not Host, which must be the API's.
      originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
      compress: true,
    };
    const domain = config.domain;
    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'E4 C2: the operator web UI, and the HTTP API under /v1',
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: files,
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: CachePolicy.CACHING_DISABLED,
        responseHeadersPolicy: pageHeaders,
        functionAssociations: [{ function: this.rewrite, eventType: FunctionEventType.VIEWER_REQUEST }],
      },
      additionalBehaviors: {
        ...Object.fromEntries(API_PATH_PATTERNS.map((pattern) => [pattern, apiBehavior])),
        [ASSETS_PATH_PATTERN]: {
          origin: files,
          viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
          allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
          cachePolicy: assetCache,
          responseHeadersPolicy: assetHeaders,
          compress: true,
        },
      },
      ...(domain
        ? {
            domainNames: [domain.domainName],
            certificate: Certificate.fromCertificateArn(this, 'Certificate', domain.certificateArn),
            minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021,
          }
        : {}),
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_100,
      webAclId: config.webAclArn,
      enableLogging: true,
      logBucket: this.logBucket,
      logFilePrefix: 'cloudfront/',
    });
    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR1',
      reason:
        'Operators sign in from wherever they are; restrict countries with the web ACL (e4c2:webAclArn) if a ' +
        'deployment needs it.',
    });
    if (!config.webAclArn) {
      Validations.of(this.distribution).acknowledge({
        id: 'AwsSolutions-CFR2',
        reason:
          'A CLOUDFRONT-scoped web ACL lives in us-east-1 and cannot be made by this stack (in its own region): ' +
          'a deployment that wants AWS WAF names one with e4c2:webAclArn (infra/README.md).',
      });
    }
    if (!domain) {
      Validations.of(this.distribution).acknowledge({
        id: 'AwsSolutions-CFR4',
        reason:
          "Without a custom domain the distribution uses CloudFront's default certificate, whose security policy " +
          'cannot be chosen; set e4c2:webUiDomain for TLS 1.2 at least.',
      });
    }

    // The built UI: Vite at synth time, into the cloud assembly (web/dist is neither read nor written).
    this.deployment = new BucketDeployment(this, 'Deploy', {
      sources: [webUiAsset()],
      destinationBucket: this.bucket,
      distribution: this.distribution,
      distributionPaths: [...INVALIDATED_PATHS],
      memoryLimit: 512,
      logGroup: new LogGroup(this, 'DeployLogs', { retention: props.logRetention, removalPolicy }),
    });

    acknowledgeDeploymentHandler(this.deployment);

    this.url = `https://${domain ? domain.domainName : this.distribution.distributionDomainName}`;
    new CfnOutput(Stack.of(this), 'WebUiUrl', {
      value: this.url,
      description: domain
        ? `The operator web UI (point ${domain.domainName} at WebUiDistributionDomain)`
        : 'The operator web UI (and the API under /v1)',
    });
    if (domain) {
      new CfnOutput(Stack.of(this), 'WebUiDistributionDomain', {
        value: this.distribution.distributionDomainName,
        description: `CNAME or alias target of ${domain.domainName}`,
      });
    }
  }
}

/**
 * The findings on CDK's own handler of BucketDeployment (a singleton per stack), which runs at deployment time only:
 * CloudFormation invokes it synchronously (a failure fails the deployment, which rolls back).
 */
function acknowledgeDeploymentHandler(deployment: BucketDeployment): void {
  const role = deployment.handlerRole;
  const handler = role.node.scope as Construct;
  const policy = role.node.tryFindChild('DefaultPolicy') as Policy;
  acknowledgePolicyWildcards(
    policy,
    "CDK's BucketDeployment handler copies the UI's files from CDK's asset bucket (objects named by hash) into the " +
      "UI bucket (every file of the UI, old ones pruned) and invalidates the distribution's cache (CloudFront " +
      'invalidations take no narrower resource): the policy is written by CDK for that.',
  );
  const validations = Validations.of(handler);
  validations.acknowledge({
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    reason: "CDK's BucketDeployment handler role: the managed policy lets it write its own logs, nothing else.",
  });
  for (const id of ['AwsSolutions-L1', 'Serverless-LambdaLatestVersion']) {
    validations.acknowledge({
      id,
      reason: "CDK's BucketDeployment handler: aws-cdk-lib chooses its runtime, and upgrades it with the library.",
    });
  }
  validations.acknowledge({
    id: 'Serverless-LambdaDLQ',
    reason: 'Runs at deployment only, invoked synchronously by CloudFormation: a failure fails the deployment.',
  });
  validations.acknowledge({
    id: 'Serverless-LambdaTracing',
    reason: "CDK's BucketDeployment exposes no tracing setting for its handler, which runs at deployment only.",
  });
}

/** Vite's command line, run by the local bundler of the UI's asset. */
const VITE_BIN = projectPath('node_modules/vite/bin/vite.js');

/**
 * The UI's files as an asset: `vite build web` into the asset's output folder at synth time (offline; Vite's output
 * is the same for the same sources, so is the asset's hash). Skipped with the functions' bundling when a test asks.
 */
function webUiAsset() {
  return Source.asset(projectPath('web'), {
    exclude: ['dist', '.dist-*'],
    // The hash of what was built: a change of Vite or Preact (package-lock.json) deploys again too.
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Never used: the local bundler builds or throws (no Docker needed or tried).
      image: DockerImage.fromRegistry('e4c2-no-docker-bundling'),
      local: {
        tryBundle(outputDir: string): boolean {
          if (!existsSync(VITE_BIN)) {
            throw new Error(
              `The web UI is built at synth time with Vite, which is not installed (${VITE_BIN}): run \`npm ci\` ` +
                '(Vite is a dev dependency), or leave the UI out with -c e4c2:webUi=false',
            );
          }
          execFileSync(
            process.execPath,
            [VITE_BIN, 'build', 'web', '--outDir', outputDir, '--emptyOutDir', '--logLevel', 'warn'],
            { cwd: projectRoot, stdio: ['ignore', 'pipe', 'pipe'] },
          );
          return true;
        },
      },
    },
  });
}
