/**
 * The downstream listener's TLS options, read from the files `listen.tls` names and checked before the proxy opens
 * anything: the certificate parses and has not expired, the private key parses and is the certificate's, the CA (for
 * client certificates) parses. Each error names the field and the file, never the key's content. With
 * `requireClientCertificate`, a client without a certificate signed by the CA fails the handshake.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { TlsOptions } from 'node:tls';
import type { ProxyConfig } from './config/ProxyConfig.js';
import { readSecret } from './config/readSecret.js';

export type ListenTlsConfig = NonNullable<ProxyConfig['listen']['tls']>;

export async function listenerTls(tls: ListenTlsConfig, now = new Date()): Promise<TlsOptions> {
  const cert = await readPem('listen.tls.cert', tls.cert);
  const certificate = parseCertificate('listen.tls.cert', tls.cert, cert);
  if (new Date(certificate.validTo) <= now) {
    throw new Error(`listen.tls.cert: the certificate in ${tls.cert} expired on ${certificate.validTo}`);
  }
  let key: string;
  try {
    key = await readSecret(tls.key);
  } catch (error) {
    throw new Error(`listen.tls.key: ${(error as Error).message}`);
  }
  const where = 'file' in tls.key ? tls.key.file : `the variable ${tls.key.env}`;
  let privateKey: ReturnType<typeof createPrivateKey>;
  try {
    privateKey = createPrivateKey(key);
  } catch {
    throw new Error(`listen.tls.key: ${where} holds no private key (PEM, unencrypted)`);
  }
  if (!certificate.checkPrivateKey(privateKey)) {
    throw new Error(`listen.tls.key: the key in ${where} does not match the certificate in ${tls.cert}`);
  }
  const options: TlsOptions = { cert, key };
  if (tls.ca) {
    const ca = await readPem('listen.tls.ca', tls.ca);
    parseCertificate('listen.tls.ca', tls.ca, ca);
    options.ca = ca;
  }
  if (tls.requireClientCertificate) {
    options.requestCert = true;
    options.rejectUnauthorized = true;
  }
  return options;
}

async function readPem(field: string, file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new Error(`${field}: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

function parseCertificate(field: string, file: string, pem: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch {
    throw new Error(`${field}: ${file} holds no certificate (PEM)`);
  }
}
