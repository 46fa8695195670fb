/**
 * The Lambda functions as the service stack builds them (esbuild: ESM, node22, minified, the AWS SDK bundled; see
 * infra/constructs/C2Function.ts): the size of each bundle, and its module initialisation time in Node (a fresh
 * process importing the bundle with the environment the stack sets; no network at import), a proxy for cold start.
 * Targets: at most 500 KB minified, at most 150 ms.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { median } from './measure.js';

export interface FunctionBundle {
  readonly name: string;
  readonly bytes: number;
  /** Module initialisation, each run, ms, sorted. */
  readonly initRuns: number[];
  readonly initMs: number;
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FUNCTIONS = ['api', 'lifecycle', 'rotation'];
const BANNER = "import{createRequire}from'module';const require=createRequire(import.meta.url);";
const ENV = {
  TABLE_NAME: 'e4c2',
  KMS_KEY_ARN: 'arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000',
  IOT_DATA_ENDPOINT: 'example-ats.iot.us-east-1.amazonaws.com',
  AWS_REGION: 'us-east-1',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: '1',
  POWERTOOLS_SERVICE_NAME: 'e4c2',
  POWERTOOLS_METRICS_NAMESPACE: 'e4c2',
};

export async function functionBundles(runs: number): Promise<FunctionBundle[]> {
  const dir = mkdtempSync(join(tmpdir(), 'e4c2-bundles-'));
  try {
    const results: FunctionBundle[] = [];
    for (const name of FUNCTIONS) {
      const outfile = join(dir, `${name}.mjs`);
      await build({
        entryPoints: [join(ROOT, 'functions', name, 'index.ts')],
        bundle: true,
        minify: true,
        platform: 'node',
        format: 'esm',
        target: 'node22',
        mainFields: ['module', 'main'],
        banner: { js: BANNER },
        outfile,
        logLevel: 'error',
      });
      const initRuns: number[] = [];
      for (let i = 0; i < runs; i++) {
        const script = `const t=performance.now();await import(${JSON.stringify(outfile)});console.log(performance.now()-t)`;
        const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
          env: { ...process.env, ...ENV },
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
        });
        initRuns.push(Number(output.trim().split('\n').at(-1)));
      }
      initRuns.sort((a, b) => a - b);
      results.push({ name, bytes: statSync(outfile).size, initRuns, initMs: median(initRuns) });
    }
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
