/**
 * `npm run claim-certificate` (scripts/createClaimCertificate.ts) against moto's IoT, run as a process: the claim
 * certificate is active, attached to the claim policy, its PEMs written (the key 0600, never over an existing file);
 * `--revoke` deactivates it, and refuses a certificate without the claim policy (a device's); bad input exits 1 and
 * makes nothing; a failure after a file was written removes what the run wrote (the folder takes the next run).
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AttachPolicyCommand,
  CreateKeysAndCertificateCommand,
  CreatePolicyCommand,
  DescribeCertificateCommand,
  IoTClient,
  ListAttachedPoliciesCommand,
  ListCertificatesCommand,
} from '@aws-sdk/client-iot';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { clientConfig, describeWithMoto } from '../../support/moto.js';
import { runScriptOnMoto } from '../../support/motoScript.js';

const POLICY = 'e4c2-test-claim';

describeWithMoto('npm run claim-certificate', (moto) => {
  let iot: IoTClient;
  let dir: string;

  beforeAll(async () => {
    iot = new IoTClient(clientConfig(moto()));
    await iot.send(
      new CreatePolicyCommand({
        policyName: POLICY,
        policyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: '*' }],
        }),
      }),
    );
    dir = await mkdtemp(join(tmpdir(), 'e4c2-claim-'));
  });
  afterAll(async () => {
    iot?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const script = (...args: string[]) => runScriptOnMoto(moto().endpoint, 'scripts/createClaimCertificate.ts', args);

  const certificateCount = async () => ((await iot.send(new ListCertificatesCommand({}))).certificates ?? []).length;

  it('makes an active certificate attached to the claim policy, writes its PEMs, and revokes it', async () => {
    // Act
    const out = join(dir, 'batch-1');
    const made = await script('--policy', POLICY, '--out', out);

    // Assess
    expect(made.code).toBe(0);
    const { certificateId, certificateArn } = JSON.parse(made.stdout) as {
      certificateId: string;
      certificateArn: string;
    };
    const described = await iot.send(new DescribeCertificateCommand({ certificateId }));
    expect(described.certificateDescription?.status).toBe('ACTIVE');
    const attached = await iot.send(new ListAttachedPoliciesCommand({ target: certificateArn }));
    expect(attached.policies?.map((policy) => policy.policyName)).toEqual([POLICY]);
    const pem = await readFile(join(out, 'claim.pem.crt'), 'utf8');
    expect(pem).toBe(described.certificateDescription?.certificatePem);
    const key = createPrivateKey(await readFile(join(out, 'claim.pem.key'), 'utf8'));
    expect(new X509Certificate(pem).checkPrivateKey(key)).toBe(true);
    expect((await stat(join(out, 'claim.pem.key'))).mode & 0o777).toBe(0o600);

    // Act: revoke
    const revoked = await script('--revoke', certificateId, '--policy', POLICY);

    // Assess
    expect(revoked.code).toBe(0);
    const after = await iot.send(new DescribeCertificateCommand({ certificateId }));
    expect(after.certificateDescription?.status).toBe('INACTIVE');
  });

  it('never overwrites a claim key, and leaves no certificate behind when it cannot finish', async () => {
    // Prepare: a folder that holds a claim certificate already
    const out = join(dir, 'batch-2');
    expect((await script('--policy', POLICY, '--out', out)).code).toBe(0);
    const key = await readFile(join(out, 'claim.pem.key'), 'utf8');
    const before = await certificateCount();

    // Act
    const again = await script('--policy', POLICY, '--out', out);
    const noPolicy = await script('--policy', 'no-such-policy', '--out', join(dir, 'batch-3'));
    const missing = await script('--out', join(dir, 'batch-4'));
    const badRevoke = await script('--revoke', 'not-an-id', '--policy', POLICY);

    // Assess
    for (const outcome of [again, noPolicy, missing, badRevoke]) expect(outcome.code).toBe(1);
    expect(missing.stderr).toContain('--policy');
    expect(await readFile(join(out, 'claim.pem.key'), 'utf8')).toBe(key);
    expect(await certificateCount()).toBe(before);
  });
  it("refuses to revoke a certificate without the claim policy (a device's), or without --policy", async () => {
    // Prepare: a device's certificate, attached to the device policy only
    const devicePolicy = 'e4c2-test-device';
    await iot.send(
      new CreatePolicyCommand({
        policyName: devicePolicy,
        policyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: '*' }],
        }),
      }),
    );
    const device = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
    await iot.send(new AttachPolicyCommand({ policyName: devicePolicy, target: device.certificateArn! }));

    // Act
    const refused = await script('--revoke', device.certificateId!, '--policy', POLICY);
    const noPolicy = await script('--revoke', device.certificateId!);

    // Assess
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('does not carry the claim policy');
    expect(noPolicy.code).toBe(1);
    expect(noPolicy.stderr).toContain('--policy');
    const after = await iot.send(new DescribeCertificateCommand({ certificateId: device.certificateId! }));
    expect(after.certificateDescription?.status).toBe('ACTIVE');
  });

  it('removes the files it wrote when a later write fails, and no certificate stays: the folder takes the next run', async () => {
    // Prepare: the key's path is a dangling symbolic link, so the existence check passes and the key's exclusive
    // create fails (EEXIST) after the certificate file was written (a real fault, no mock).
    const out = join(dir, 'batch-5');
    await mkdir(out, { recursive: true });
    const keyPath = join(out, 'claim.pem.key');
    await symlink(join(out, 'nowhere'), keyPath);
    const before = await certificateCount();

    // Act
    const failed = await script('--policy', POLICY, '--out', out);

    // Assess: nothing of this run left (the link, not the run's, stays), then a run after the fault is fixed works
    expect(failed.code).toBe(1);
    expect(await readdir(out)).toEqual(['claim.pem.key']);
    expect((await lstat(keyPath)).isSymbolicLink()).toBe(true);
    expect(await certificateCount()).toBe(before);
    await rm(keyPath);
    expect((await script('--policy', POLICY, '--out', out)).code).toBe(0);
    expect((await readdir(out)).sort()).toEqual(['claim.pem.crt', 'claim.pem.key']);
  });
});
