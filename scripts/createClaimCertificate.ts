/**
 * `npm run claim-certificate -- --policy <ClaimPolicyName> --out <dir> [--region <region>]`: makes a claim
 * certificate for fleet provisioning by claim (infra/README.md): a key pair and certificate made by AWS IoT Core
 * (CreateKeysAndCertificate, active), attached to the stack's claim policy (output ClaimPolicyName), written to
 * `<dir>/claim.pem.crt` and `<dir>/claim.pem.key` (mode 0600; existing files are never overwritten). The platform
 * operator makes one per factory or production batch and hands it to the factory, which installs it on the devices:
 * it lets a device do nothing but ask for its own certificate, which the pre-provisioning hook gives only to a
 * device its tenant enrolled and that proves its E4 key. `--revoke <certificate id> --policy <ClaimPolicyName>`
 * deactivates one (a batch that leaked, or is done), and only a claim certificate: one that carries the claim policy
 * (a device's own certificate is refused, not deactivated). A run that fails leaves nothing behind: neither the
 * certificate nor the files it wrote (so the next run into the same folder is not refused). Needs
 * iot:CreateKeysAndCertificate, iot:AttachPolicy, iot:UpdateCertificate, iot:DescribeCertificate,
 * iot:ListAttachedPolicies and iot:DeleteCertificate (undoing a half-made one) with the operator's AWS credentials;
 * `--endpoint` points it at moto in tests. Prints the certificate id and ARN as JSON.
 */
import { constants } from 'node:fs';
import { access, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  AttachPolicyCommand,
  CreateKeysAndCertificateCommand,
  DeleteCertificateCommand,
  DescribeCertificateCommand,
  DetachPolicyCommand,
  IoTClient,
  ListAttachedPoliciesCommand,
  UpdateCertificateCommand,
} from '@aws-sdk/client-iot';
import { Command } from 'commander';

const options = new Command('claim-certificate')
  .option('--policy <name>', 'the claim policy of the service stack (its output ClaimPolicyName)')
  .option('--out <dir>', 'where to write claim.pem.crt and claim.pem.key')
  .option('--revoke <certificateId>', 'deactivate this claim certificate instead (with --policy: it must carry it)')
  .option('--region <region>', 'AWS region (default: the SDK default)')
  .option('--endpoint <url>', 'AWS IoT endpoint (tests)')
  .parse()
  .opts<{ policy?: string; out?: string; revoke?: string; region?: string; endpoint?: string }>();

const CERTIFICATE_ID = /^[0-9a-f]{64}$/;

/** Writes a new file (never replaces one: a claim key is not overwritten by mistake). */
const writeNew = (path: string, text: string, mode: number) =>
  writeFile(path, text, { mode, flag: constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY });

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

async function create(iot: IoTClient, policyName: string, out: string): Promise<void> {
  const files = [join(out, 'claim.pem.crt'), join(out, 'claim.pem.key')];
  for (const file of files) if (await exists(file)) throw new Error(`${file} exists: choose another --out`);
  await mkdir(out, { recursive: true });
  const made = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
  const { certificateId, certificateArn, certificatePem } = made;
  const privateKey = made.keyPair?.PrivateKey;
  if (!certificateId || !certificateArn || !certificatePem || !privateKey) {
    throw new Error('CreateKeysAndCertificate answered without a certificate and private key');
  }
  const written: string[] = [];
  try {
    await iot.send(new AttachPolicyCommand({ policyName, target: certificateArn }));
    await writeNew(files[0]!, certificatePem, 0o644);
    written.push(files[0]!);
    await writeNew(files[1]!, privateKey, 0o600);
    written.push(files[1]!);
  } catch (error) {
    // Nothing half-made: the files this run wrote go (only those: a file there before is not ours), then the certificate.
    for (const file of written) await rm(file, { force: true }).catch(() => undefined);
    await iot.send(new DetachPolicyCommand({ policyName, target: certificateArn })).catch(() => undefined);
    await iot.send(new UpdateCertificateCommand({ certificateId, newStatus: 'INACTIVE' })).catch(() => undefined);
    await iot.send(new DeleteCertificateCommand({ certificateId, forceDelete: true })).catch(() => undefined);
    throw error;
  }
  console.log(JSON.stringify({ certificateId, certificateArn, policyName, out }, null, 2));
}

/** Deactivates `certificateId` if it carries the claim policy `policyName`; refuses any other certificate. */
async function revoke(iot: IoTClient, certificateId: string, policyName: string): Promise<void> {
  const { certificateDescription } = await iot.send(new DescribeCertificateCommand({ certificateId }));
  const certificateArn = certificateDescription?.certificateArn;
  if (!certificateArn) throw new Error(`certificate ${certificateId} has no ARN`);
  const policies: string[] = [];
  let marker: string | undefined;
  do {
    const page = await iot.send(
      new ListAttachedPoliciesCommand({ target: certificateArn, ...(marker ? { marker } : {}) }),
    );
    policies.push(...(page.policies ?? []).map((policy) => policy.policyName ?? ''));
    marker = page.nextMarker;
  } while (marker);
  if (!policies.includes(policyName)) {
    throw new Error(
      `certificate ${certificateId} does not carry the claim policy ${policyName}: not a claim certificate, left active`,
    );
  }
  await iot.send(new UpdateCertificateCommand({ certificateId, newStatus: 'INACTIVE' }));
  console.log(JSON.stringify({ certificateId, status: 'INACTIVE' }, null, 2));
}

const iot = new IoTClient({
  ...(options.region ? { region: options.region } : {}),
  ...(options.endpoint ? { endpoint: options.endpoint } : {}),
});
try {
  if (options.revoke !== undefined) {
    if (!CERTIFICATE_ID.test(options.revoke)) throw new Error('--revoke takes a certificate id (64 hex digits)');
    if (!options.policy) {
      throw new Error(
        '--revoke needs --policy (the stack output ClaimPolicyName): only a claim certificate is revoked',
      );
    }
    await revoke(iot, options.revoke, options.policy);
  } else {
    if (!options.policy) throw new Error('--policy is required (the stack output ClaimPolicyName)');
    if (!options.out) throw new Error('--out is required (a folder for claim.pem.crt and claim.pem.key)');
    await create(iot, options.policy, options.out);
  }
} catch (error) {
  console.error(`claim-certificate: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  iot.destroy();
}
