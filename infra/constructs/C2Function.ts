/**
 * The house defaults of a Lambda function of the C2: a NodejsFunction bundled by the local esbuild (never Docker)
 * into one ESM file with a source map, on arm64 and Node.js 22, X-Ray tracing on, its own log group (with the app's
 * retention) and its own role holding nothing but what `allow()` adds: no managed policy, not even
 * AWSLambdaBasicExecutionRole (the role may write to its own log group only).
 */
import { Duration, type RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { acknowledgeWildcard } from '../nag.js';
import { projectPath, projectRoot } from '../paths.js';

/**
 * esbuild's ESM output has no `require`: a CommonJS dependency that requires a Node built-in would throw
 * "Dynamic require of ... is not supported". The banner gives the bundle a real one.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __e4c2CreateRequire } from 'node:module'; const require = __e4c2CreateRequire(import.meta.url);";

export const C2_RUNTIME = Runtime.NODEJS_22_X;

export interface C2FunctionProps {
  /** The handler's file, from the repository root (e.g. `functions/api/index.ts`); it exports `handler`. */
  readonly entry: string;
  readonly description: string;
  readonly environment: Readonly<Record<string, string>>;
  readonly logRetention: RetentionDays;
  readonly logRemovalPolicy: RemovalPolicy;
  /** MB; 512 by default. */
  readonly memorySize?: number;
  /** 30 seconds by default. */
  readonly timeout?: Duration;
  /** Concurrent executions set aside for the function, and its ceiling; none by default (the account's pool). */
  readonly reservedConcurrentExecutions?: number;
  /** Where an asynchronous invocation goes once Lambda gave up on it (its retries spent, or too old). */
  readonly deadLetterQueue?: IQueue;
}

export class C2Function extends NodejsFunction {
  /** The function's role: assumable by Lambda only, with the statements of `allow()` and its log group's. */
  readonly executionRole: Role;

  constructor(scope: Construct, id: string, props: C2FunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy,
    });
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${id}: ${props.description}`,
    });
    super(scope, id, {
      entry: projectPath(props.entry),
      handler: 'handler',
      projectRoot,
      depsLockFilePath: projectPath('package-lock.json'),
      description: props.description,
      runtime: C2_RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(30),
      ...(props.reservedConcurrentExecutions === undefined
        ? {}
        : { reservedConcurrentExecutions: props.reservedConcurrentExecutions }),
      ...(props.deadLetterQueue ? { deadLetterQueue: props.deadLetterQueue } : {}),
      tracing: Tracing.ACTIVE,
      role,
      logGroup,
      environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment },
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        target: 'node22',
        mainFields: ['module', 'main'],
        banner: ESM_REQUIRE_BANNER,
        minify: true,
        sourceMap: true,
        sourceMapMode: SourceMapMode.DEFAULT,
        sourcesContent: false,
        // The SDK goes into the bundle: the versions pinned in package-lock.json are the ones tested, whatever
        // version the Lambda runtime ships.
        bundleAwsSDK: true,
        externalModules: [],
        logLevel: LogLevel.ERROR,
      },
    });
    this.executionRole = role;
    this.allow('WriteOwnLogs', ['logs:CreateLogStream', 'logs:PutLogEvents'], [logGroup.logGroupArn]);
    for (const id of ['AwsSolutions-L1', 'Serverless-LambdaLatestVersion']) {
      Validations.of(this).acknowledge({
        id,
        reason:
          'Node.js 22 is the runtime the project is built and tested for (its dependencies are pinned for Node ' +
          '20/22); moving to a newer runtime is a deliberate upgrade, not a default.',
      });
    }
  }

  /** Adds one statement (named by `sid`, unique per function) to the function's role. */
  allow(
    sid: string,
    actions: readonly string[],
    resources: readonly string[],
    conditions?: Record<string, Record<string, unknown>>,
  ): void {
    this.executionRole.addToPrincipalPolicy(
      new PolicyStatement({
        sid,
        effect: Effect.ALLOW,
        actions: [...actions],
        resources: [...resources],
        ...(conditions ? { conditions } : {}),
      }),
    );
  }

  /** Acknowledges (cdk-nag) one wildcard resource of the role's policy, with the reason it cannot be narrower. */
  acknowledgeWildcard(resource: string, reason: string): void {
    acknowledgeWildcard(this.executionRole, resource, reason);
  }
}
