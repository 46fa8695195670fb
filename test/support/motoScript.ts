/**
 * An operator script of scripts/ run as operators run it (`node --import tsx scripts/<file>`), against moto: the
 * region and endpoint given, test credentials in the environment. Never throws: the exit code, stdout and stderr.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ScriptResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `endpoint`: moto's (RunningMoto.endpoint). */
export function runScriptOnMoto(endpoint: string, file: string, args: string[]): Promise<ScriptResult> {
  return run(process.execPath, ['--import', 'tsx', file, ...args, '--region', 'us-east-1', '--endpoint', endpoint], {
    env: {
      ...process.env,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: '1',
    },
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({
      code: error.code,
      stdout: error.stdout,
      stderr: error.stderr,
    }),
  );
}
