/**
 * The one switch of the suites that need a server npm does not bring (mosquitto, Java for DynamoDB Local,
 * moto_server, cfn-lint): without it, the suite is reported as skipped (never as passed) with the reason printed; in
 * CI (`CI` set, as `.ci/run` does) a missing server is an error, so CI never goes green without running them.
 *
 *   describe.skipIf(serverMissing(javaMissing()))('DynamoKeyStore over DynamoDB Local', () => { ... });
 */
export function serverMissing(reason: string | undefined): boolean {
  if (reason === undefined) return false;
  if (inCi()) throw new Error(`CI requires this server: ${reason}`);
  console.warn(`skipped: ${reason}`);
  return true;
}

/** True when the environment says it is CI (`CI=true`, `CI=1`, ...; not `false` or `0`). */
export function inCi(): boolean {
  const value = process.env.CI?.toLowerCase();
  return value !== undefined && value !== '' && value !== 'false' && value !== '0';
}
