/**
 * The downstream listener's TLS material, checked at start: a certificate and its own key pass (with the CA and
 * client certificates asked for under mTLS); a missing file, a file that holds no certificate or no key, a key that is
 * not the certificate's, an expired certificate are refused with the field and file named, never the key's text.
 * Certificates made by openssl.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenerTls } from '../../../proxy/listenerTls.js';
import { type CertificateFiles, issueCertificate, makeCa, OPENSSL_MISSING } from '../../support/opensslCertificates.js';
import { serverMissing } from '../../support/serverMissing.js';

describe.skipIf(serverMissing(OPENSSL_MISSING))('listenerTls', () => {
  let dir: string;
  let ca: CertificateFiles;
  let server: CertificateFiles;
  let other: CertificateFiles;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'e4c2-listener-tls-'));
    ca = makeCa(dir, 'ca');
    server = issueCertificate(dir, ca, 'server', { cn: 'gw', altNames: ['IP:127.0.0.1'] });
    other = issueCertificate(dir, ca, 'other', { cn: 'dev' });
    writeFileSync(join(dir, 'garbage.pem'), 'not a PEM file\n');
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const config = (fields: Record<string, unknown>) => ({
    cert: server.cert,
    key: { file: server.key },
    requireClientCertificate: false,
    ...fields,
  });
  const refusal = (fields: Record<string, unknown>, now?: Date) =>
    listenerTls(config(fields), now).then(
      () => 'started',
      (error: Error) => error.message,
    );

  it('passes a certificate with its key; asks for client certificates under mTLS', async () => {
    const plain = await listenerTls(config({}));
    expect(plain.cert).toContain('BEGIN CERTIFICATE');
    expect(plain.requestCert).toBeUndefined();
    const mutual = await listenerTls(config({ ca: ca.cert, requireClientCertificate: true }));
    expect(mutual).toMatchObject({ requestCert: true, rejectUnauthorized: true });
    expect(mutual.ca).toContain('BEGIN CERTIFICATE');
    const fromEnv = 'E4C2_TEST_LISTEN_KEY';
    process.env[fromEnv] = plain.key as string;
    try {
      expect((await listenerTls(config({ key: { env: fromEnv } }))).key).toBe(plain.key);
    } finally {
      delete process.env[fromEnv];
    }
  });

  it('refuses a missing file, one without a certificate or key, a mismatched key, an expired certificate', async () => {
    const nowhere = join(dir, 'nowhere.crt');
    expect(await refusal({ cert: nowhere })).toBe(`listen.tls.cert: cannot read ${nowhere}: ENOENT`);
    expect(await refusal({ key: { file: nowhere } })).toContain(
      `listen.tls.key: cannot read the secret file ${nowhere}`,
    );
    expect(await refusal({ cert: join(dir, 'garbage.pem') })).toContain('holds no certificate');
    expect(await refusal({ key: { file: server.cert } })).toContain('holds no private key');
    expect(await refusal({ ca: join(dir, 'garbage.pem') })).toMatch(/^listen\.tls\.ca: .* holds no certificate/);
    const mismatched = await refusal({ key: { file: other.key } });
    expect(mismatched).toBe(`listen.tls.key: the key in ${other.key} does not match the certificate in ${server.cert}`);
    expect(await refusal({}, new Date(Date.now() + 3 * 86_400_000))).toMatch(/^listen\.tls\.cert: .* expired on /);
  });
});
