/**
 * The app as `npm run synth` builds it (bundles included, cdk-nag on), synthesized once into a temporary directory:
 * cfn-lint passes on every template, and every function's bundle is one ESM file with its source map that loads
 * and exports `handler`. Without cfn-lint on the PATH its test is skipped, and fails in CI (`serverMissing`).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ESM_REQUIRE_BANNER } from '../../infra/constructs/C2Function.js';
import { serverMissing } from '../support/serverMissing.js';
import { removeTestApps, testApp } from './synthApp.js';

afterAll(removeTestApps);

function cfnLintMissing(): string | undefined {
  const probe = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
  return probe.error || probe.status !== 0 ? 'cfn-lint is not on the PATH (pip install cfn-lint)' : undefined;
}

let outdir: string;
let templates: string[];

beforeAll(() => {
  // Asset metadata on, as the CDK CLI sets it: each function names its bundle's directory.
  const app = testApp({ checks: true, bundle: true, context: { 'aws:cdk:enable-asset-metadata': true } });
  app.app.synth();
  outdir = app.outdir;
  templates = readdirSync(outdir)
    .filter((file) => file.endsWith('.template.json'))
    .map((file) => join(outdir, file));
}, 180_000);

describe('synthesized assembly', () => {
  it('has the templates of both stacks', () => {
    expect(templates.map((path) => path.slice(outdir.length + 1)).sort()).toEqual([
      'e4c2-dev-service.template.json',
      'e4c2-dev-stateful.template.json',
    ]);
  });

  it.skipIf(serverMissing(cfnLintMissing()))(
    'passes cfn-lint on every template',
    () => {
      // Act
      const lint = spawnSync('cfn-lint', ['--format', 'parseable', '--', ...templates], { encoding: 'utf8' });
      // Assess
      expect(lint.error).toBeUndefined();
      expect(`${lint.stdout}${lint.stderr}`).toBe('');
      expect(lint.status).toBe(0);
    },
    120_000,
  ); // cfn-lint takes 30 to 45 s on both templates on a busy machine

  it('bundles each function into one ESM file with the createRequire banner and a source map, that loads', () => {
    // Prepare
    const service = JSON.parse(readFileSync(join(outdir, 'e4c2-dev-service.template.json'), 'utf8'));
    // biome-ignore lint/suspicious/noExplicitAny: a CloudFormation template is loosely typed JSON
    const bundles = Object.values(service.Resources as Record<string, any>)
      .filter((resource) => resource.Type === 'AWS::Lambda::Function' && resource.Properties.Runtime === 'nodejs22.x')
      .map((resource) => join(outdir, resource.Metadata['aws:asset:path'] as string));
    expect(bundles).toHaveLength(6); // api, authorizer, lifecycle, provisioning hook, rotation, worker
    for (const bundle of bundles) {
      // Assess: the files
      expect(readdirSync(bundle).sort()).toEqual(['index.mjs', 'index.mjs.map']);
      const code = readFileSync(join(bundle, 'index.mjs'), 'utf8');
      expect(code.startsWith(ESM_REQUIRE_BANNER)).toBe(true);
      expect(code).toMatch(/\/\/# sourceMappingURL=index\.mjs\.map\s*$/);
      expect(existsSync(join(bundle, 'index.mjs.map'))).toBe(true);
      // Act + Assess: the module loads under Node with the deployment's environment and exports a handler.
      const url = pathToFileURL(join(bundle, 'index.mjs')).href;
      const output = execFileSync(
        process.execPath,
        ['--input-type=module', '-e', `const m = await import(${JSON.stringify(url)}); console.log(typeof m.handler);`],
        {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'],
          env: {
            PATH: process.env.PATH,
            AWS_REGION: 'eu-west-1',
            AWS_ACCESS_KEY_ID: 'test',
            AWS_SECRET_ACCESS_KEY: 'test',
            AWS_EC2_METADATA_DISABLED: 'true',
            TABLE_NAME: 'table',
            KMS_KEY_ARN: 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555',
            IOT_DATA_ENDPOINT: 'example-ats.iot.eu-west-1.amazonaws.com',
            WORK_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/e4c2-dev-work',
            DEVICE_POLICY_NAME: 'e4c2-dev-device',
            SCHEDULE_GROUP: 'e4c2-dev',
            SCHEDULER_ROLE_ARN: 'arn:aws:iam::123456789012:role/scheduler',
            ROTATION_FUNCTION_ARN: 'arn:aws:lambda:eu-west-1:123456789012:function:rotation',
            POWERTOOLS_SERVICE_NAME: 'e4c2-dev',
            POWERTOOLS_METRICS_NAMESPACE: 'E4C2',
            LOG_LEVEL: 'ERROR',
          },
          timeout: 30_000,
        },
      );
      expect(output.trim(), bundle).toBe('function');
    }
  });

  it("builds the web UI with Vite into the deployment's asset: index.html loading its hashed assets/", () => {
    // Prepare: the asset of the BucketDeployment (a zipped directory holding index.html).
    const manifest = JSON.parse(readFileSync(join(outdir, 'e4c2-dev-service.assets.json'), 'utf8'));
    const dirs = Object.values(manifest.files as Record<string, { source: { path: string; packaging?: string } }>)
      .filter(({ source }) => source.packaging === 'zip')
      .map(({ source }) => join(outdir, source.path))
      .filter((dir) => existsSync(join(dir, 'index.html')));
    // Assess
    expect(dirs).toHaveLength(1);
    const ui = dirs[0]!;
    const page = readFileSync(join(ui, 'index.html'), 'utf8');
    const scripts = [...page.matchAll(/src="\/assets\/([^"]+\.js)"/g)].map((match) => match[1]!);
    expect(scripts.length).toBeGreaterThan(0);
    for (const script of scripts) expect(existsSync(join(ui, 'assets', script)), script).toBe(true);
    // Nothing inline (the CSP allows none), no source of the UI shipped.
    expect(page).not.toMatch(/<script>|<style>/);
    expect(readdirSync(ui).sort()).not.toContain('src');
  });
});
