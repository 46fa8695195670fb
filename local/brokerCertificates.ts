/**
 * The certificates of local mode's broker over TLS (`--mqtt-tls`), kept in `<state>/tls/`: a certificate authority
 * made at the first start (ECDSA P-256, 10 years; `ca.crt` is what devices trust, `ca.key` never leaves the folder)
 * and the broker's server certificate signed by it (`server.crt`, `server.key`; 397 days), with the names a client
 * reaches the broker by: localhost, 127.0.0.1, ::1, and `host` (a wildcard host: this machine's name and addresses).
 *
 * Each start reuses what is there and valid: the CA until 30 days before it expires (then a new one: devices must be
 * given it), the server certificate until 30 days before it expires, its names differ from those wanted, or it is not
 * signed by the current CA. A key and its certificate that do not match (a start cut short between the two writes)
 * are made again. Files are written whole (a temp file renamed); keys 0600, in a 0700 folder. X.509 by
 * @peculiar/x509 over node:crypto's WebCrypto (it needs a Reflect metadata polyfill, imported first).
 */
import 'reflect-metadata';
import { createPublicKey, randomBytes, webcrypto } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import {
  AuthorityKeyIdentifierExtension,
  BasicConstraintsExtension,
  ExtendedKeyUsage,
  ExtendedKeyUsageExtension,
  type JsonGeneralName,
  KeyUsageFlags,
  KeyUsagesExtension,
  PemConverter,
  SubjectAlternativeNameExtension,
  SubjectKeyIdentifierExtension,
  X509Certificate,
  X509CertificateGenerator,
} from '@peculiar/x509';

export interface BrokerCertificates {
  /** `<state>/tls/ca.crt`: the CA devices trust. */
  readonly caFile: string;
  /** The CA certificate (PEM): what the C2's own connection trusts. */
  readonly ca: string;
  /** The broker's certificate and key (PEM), for node:tls. */
  readonly cert: string;
  readonly key: string;
  /** What this call made anew (for the log). */
  readonly made: { readonly ca: boolean; readonly server: boolean };
}

export interface BrokerCertificatesOptions {
  /** Default now. */
  readonly now?: Date;
}

const DAY_MS = 86_400_000;
const CA_DAYS = 3652;
const SERVER_DAYS = 397;
const RENEW_BEFORE_DAYS = 30;
const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const crypto = webcrypto as unknown as Crypto;

interface Pair {
  readonly key: string;
  readonly cert: string;
  readonly parsed: X509Certificate;
}

export async function brokerCertificates(
  stateDir: string,
  host: string,
  options: BrokerCertificatesOptions = {},
): Promise<BrokerCertificates> {
  const now = options.now ?? new Date();
  const folder = join(stateDir, 'tls');
  await mkdir(folder, { recursive: true, mode: 0o700 });
  const files = (name: string) => ({ key: join(folder, `${name}.key`), cert: join(folder, `${name}.crt`) });
  const renewAfter = new Date(now.getTime() + RENEW_BEFORE_DAYS * DAY_MS);

  let ca = await readPair(files('ca'));
  const madeCa = ca === undefined || ca.parsed.notAfter <= renewAfter;
  if (madeCa) ca = await writePair(files('ca'), await makeCa(now));

  const names = subjectAltNames(host);
  let server = await readPair(files('server'));
  const madeServer =
    server === undefined ||
    server.parsed.notAfter <= renewAfter ||
    !sameNames(namesOf(server.parsed), names) ||
    !(await signedBy(server.parsed, ca!.parsed));
  if (madeServer) server = await writePair(files('server'), await makeServer(ca!, names, now));

  return {
    caFile: files('ca').cert,
    ca: ca!.cert,
    cert: server!.cert,
    key: server!.key,
    made: { ca: madeCa, server: madeServer },
  };
}

/**
 * The names the server certificate carries: the loopback ones, and `host` unless it is one of them; for a wildcard
 * host (every interface), this machine's name and its non-loopback, non-link-local addresses.
 */
export function subjectAltNames(host: string): JsonGeneralName[] {
  const wanted = ['localhost', '127.0.0.1', '::1'];
  if (host === '0.0.0.0' || host === '::' || host === '') {
    wanted.push(hostname());
    for (const entries of Object.values(networkInterfaces())) {
      for (const entry of entries ?? []) {
        if (!entry.internal && !entry.address.toLowerCase().startsWith('fe80:')) wanted.push(entry.address);
      }
    }
  } else wanted.push(host);
  const unique = new Map<string, JsonGeneralName>();
  for (const name of wanted) {
    const general: JsonGeneralName = isIP(name)
      ? { type: 'ip', value: normalIp(name) }
      : { type: 'dns', value: name.toLowerCase() };
    unique.set(`${general.type}:${general.value}`, general);
  }
  return [...unique.values()];
}

/** An IP address in one spelling (IPv6 compressed, lower case), so that two spellings compare equal. */
function normalIp(address: string): string {
  return isIP(address) === 6 ? new URL(`http://[${address}]`).hostname.slice(1, -1) : address;
}

function namesOf(cert: X509Certificate): JsonGeneralName[] {
  return cert.getExtension(SubjectAlternativeNameExtension)?.names.toJSON() ?? [];
}

function sameNames(a: readonly JsonGeneralName[], b: readonly JsonGeneralName[]): boolean {
  const key = (n: JsonGeneralName) => `${n.type}:${n.type === 'ip' ? normalIp(n.value) : n.value.toLowerCase()}`;
  const left = new Set(a.map(key));
  return left.size === new Set(b.map(key)).size && b.every((n) => left.has(key(n)));
}

async function signedBy(cert: X509Certificate, ca: X509Certificate): Promise<boolean> {
  if (cert.issuer !== ca.subject) return false;
  return cert.verify({ publicKey: ca.publicKey, signatureOnly: true }, crypto).catch(() => false);
}

/** The key and certificate in the two files, if both are there, parse, and belong together. */
async function readPair(paths: { key: string; cert: string }): Promise<Pair | undefined> {
  try {
    const [key, cert] = await Promise.all([readFile(paths.key, 'utf8'), readFile(paths.cert, 'utf8')]);
    const parsed = new X509Certificate(cert);
    const fromKey = createPublicKey(key).export({ type: 'spki', format: 'der' });
    return fromKey.equals(Buffer.from(parsed.publicKey.rawData)) ? { key, cert, parsed } : undefined;
  } catch {
    return undefined;
  }
}

/** Writes the key (0600) then the certificate, each whole: a temp file renamed over the old one. */
async function writePair(paths: { key: string; cert: string }, made: Made): Promise<Pair> {
  const key = PemConverter.encode(made.pkcs8, 'PRIVATE KEY');
  const cert = made.cert.toString('pem');
  await writeWhole(paths.key, key, 0o600);
  await writeWhole(paths.cert, cert, 0o644);
  return { key, cert, parsed: made.cert };
}

async function writeWhole(path: string, text: string, mode: number): Promise<void> {
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temp, text, { flag: 'wx', mode });
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

interface Made {
  readonly pkcs8: ArrayBuffer;
  readonly cert: X509Certificate;
}

const newKeys = () => crypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']) as Promise<CryptoKeyPair>;
/** Valid from an hour back: a client whose clock is a little behind still accepts it. */
const validFrom = (now: Date) => new Date(now.getTime() - 3_600_000);
const validFor = (now: Date, days: number) => new Date(now.getTime() + days * DAY_MS);

async function makeCa(now: Date): Promise<Made> {
  const keys = await newKeys();
  const cert = await X509CertificateGenerator.createSelfSigned(
    {
      name: `CN=e4c2 local broker CA ${randomBytes(4).toString('hex')}`,
      keys,
      notBefore: validFrom(now),
      notAfter: validFor(now, CA_DAYS),
      signingAlgorithm: ALGORITHM,
      extensions: [
        new BasicConstraintsExtension(true, 0, true),
        new KeyUsagesExtension(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign, true),
        await SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  return { pkcs8: await crypto.subtle.exportKey('pkcs8', keys.privateKey), cert };
}

async function makeServer(ca: Pair, names: JsonGeneralName[], now: Date): Promise<Made> {
  const keys = await newKeys();
  const caKey = await crypto.subtle.importKey('pkcs8', PemConverter.decodeFirst(ca.key), ALGORITHM, false, ['sign']);
  const cert = await X509CertificateGenerator.create(
    {
      subject: 'CN=e4c2 local broker',
      issuer: ca.parsed.subject,
      publicKey: keys.publicKey,
      signingKey: caKey,
      notBefore: validFrom(now),
      notAfter: validFor(now, SERVER_DAYS),
      signingAlgorithm: ALGORITHM,
      extensions: [
        new BasicConstraintsExtension(false, undefined, true),
        new KeyUsagesExtension(KeyUsageFlags.digitalSignature, true),
        new ExtendedKeyUsageExtension([ExtendedKeyUsage.serverAuth], false),
        new SubjectAlternativeNameExtension(names, false),
        await SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
        await AuthorityKeyIdentifierExtension.create(ca.parsed.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  return { pkcs8: await crypto.subtle.exportKey('pkcs8', keys.privateKey), cert };
}
