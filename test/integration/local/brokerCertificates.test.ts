/**
 * The broker's TLS certificates in a real temp state folder (local/brokerCertificates.ts), read back with node:crypto's
 * own X.509 parser (not the library that made them): permissions, names, the chain, and what a later start keeps or
 * makes again.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { brokerCertificates } from '../../../local/brokerCertificates.js';

const folders: string[] = [];
afterEach(async () => {
  await Promise.all(folders.splice(0).map((folder) => rm(folder, { recursive: true, force: true })));
});

async function newStateDir(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'e4c2-tls-'));
  folders.push(folder);
  return folder;
}

const DAY_MS = 86_400_000;
const modeOf = async (path: string) => (await stat(path)).mode & 0o777;
const read = (stateDir: string, name: string) => readFile(join(stateDir, 'tls', name), 'utf8');

describe('brokerCertificates', () => {
  it('makes a CA and a server certificate signed by it, keys 0600 in a 0700 folder', async () => {
    // Prepare
    const stateDir = await newStateDir();

    // Act
    const made = await brokerCertificates(stateDir, '127.0.0.1');

    // Assess
    const ca = new X509Certificate(made.ca);
    const server = new X509Certificate(made.cert);
    expect(made.made).toEqual({ ca: true, server: true });
    expect(made.caFile).toBe(join(stateDir, 'tls', 'ca.crt'));
    expect(await read(stateDir, 'ca.crt')).toBe(made.ca);
    expect(await read(stateDir, 'server.key')).toBe(made.key);
    expect(await modeOf(join(stateDir, 'tls'))).toBe(0o700);
    expect(await modeOf(join(stateDir, 'tls', 'ca.key'))).toBe(0o600);
    expect(await modeOf(join(stateDir, 'tls', 'server.key'))).toBe(0o600);
    expect(ca.ca).toBe(true);
    expect(server.ca).toBe(false);
    expect(server.checkIssued(ca)).toBe(true);
    expect(server.verify(ca.publicKey)).toBe(true);
    expect(server.publicKey.asymmetricKeyType).toBe('ec');
    expect(server.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    const validDays = (cert: X509Certificate) => (Date.parse(cert.validTo) - Date.now()) / DAY_MS;
    expect(validDays(server)).toBeLessThanOrEqual(825);
    expect(validDays(ca)).toBeGreaterThan(9 * 365);
    // The key file holds the server certificate's key.
    expect(server.checkPrivateKey(createPrivateKey(made.key))).toBe(true);
  });

  it('names localhost, 127.0.0.1 and ::1, and the host when it is another name or address', async () => {
    // Prepare
    const stateDir = await newStateDir();

    // Act
    const loopback = new X509Certificate((await brokerCertificates(stateDir, '127.0.0.1')).cert);
    const named = new X509Certificate((await brokerCertificates(stateDir, 'broker.example.test')).cert);
    const address = new X509Certificate((await brokerCertificates(stateDir, '192.0.2.7')).cert);

    // Assess
    expect(loopback.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
    expect(named.checkHost('broker.example.test')).toBe('broker.example.test');
    expect(named.checkHost('localhost')).toBe('localhost');
    expect(named.checkIP('::1')).toBe('::1');
    expect(address.checkIP('192.0.2.7')).toBe('192.0.2.7');
    expect(address.checkHost('broker.example.test')).toBeUndefined();
  });

  it("names this machine's name for a wildcard host", async () => {
    // Act
    const cert = new X509Certificate((await brokerCertificates(await newStateDir(), '0.0.0.0')).cert);

    // Assess
    expect(cert.checkHost(hostname())).toBe(hostname().toLowerCase());
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
  });

  it('keeps both at the next start; a new host gets a new server certificate from the same CA', async () => {
    // Prepare
    const stateDir = await newStateDir();
    const first = await brokerCertificates(stateDir, '127.0.0.1');

    // Act
    const again = await brokerCertificates(stateDir, '127.0.0.1');
    const moved = await brokerCertificates(stateDir, 'broker.example.test');

    // Assess
    expect(again).toMatchObject({ ca: first.ca, cert: first.cert, key: first.key, made: { ca: false, server: false } });
    expect(moved.made).toEqual({ ca: false, server: true });
    expect(moved.ca).toBe(first.ca);
    expect(moved.key).not.toBe(first.key);
    expect(new X509Certificate(moved.cert).verify(new X509Certificate(first.ca).publicKey)).toBe(true);
  });

  it('renews the server certificate within 30 days of its end, and the CA within 30 days of its own', async () => {
    // Prepare
    const stateDir = await newStateDir();
    const first = await brokerCertificates(stateDir, '127.0.0.1');
    const serverEnd = Date.parse(new X509Certificate(first.cert).validTo);
    const caEnd = Date.parse(new X509Certificate(first.ca).validTo);

    // Act
    const early = await brokerCertificates(stateDir, '127.0.0.1', { now: new Date(serverEnd - 31 * DAY_MS) });
    const late = await brokerCertificates(stateDir, '127.0.0.1', { now: new Date(serverEnd - 29 * DAY_MS) });
    const caLate = await brokerCertificates(stateDir, '127.0.0.1', { now: new Date(caEnd - 29 * DAY_MS) });

    // Assess
    expect(early.made).toEqual({ ca: false, server: false });
    expect(late.made).toEqual({ ca: false, server: true });
    expect(late.ca).toBe(first.ca);
    expect(caLate.made).toEqual({ ca: true, server: true });
    const newCa = new X509Certificate(caLate.ca);
    expect(newCa.subject).not.toBe(new X509Certificate(first.ca).subject);
    expect(new X509Certificate(caLate.cert).checkIssued(newCa)).toBe(true);
  });

  it('makes again a key and certificate that do not belong together (a write cut short), and a damaged file', async () => {
    // Prepare: the server key replaced by another key, the CA certificate truncated.
    const stateDir = await newStateDir();
    const other = await brokerCertificates(await newStateDir(), '127.0.0.1');
    await brokerCertificates(stateDir, '127.0.0.1');
    await writeFile(join(stateDir, 'tls', 'server.key'), other.key);

    // Act
    const afterKey = await brokerCertificates(stateDir, '127.0.0.1');
    await writeFile(join(stateDir, 'tls', 'ca.crt'), afterKey.ca.slice(0, 100));
    const afterCa = await brokerCertificates(stateDir, '127.0.0.1');

    // Assess
    expect(afterKey.made).toEqual({ ca: false, server: true });
    expect(afterKey.key).not.toBe(other.key);
    expect(new X509Certificate(afterKey.cert).checkPrivateKey(createPrivateKey(afterKey.key))).toBe(true);
    expect(afterCa.made).toEqual({ ca: true, server: true });
    expect(new X509Certificate(afterCa.cert).verify(new X509Certificate(afterCa.ca).publicKey)).toBe(true);
  });
});
