/**
 * Certificates for TLS tests, made by the openssl command as an operator would make them: a certificate authority
 * (ECDSA P-256, a day), and certificates it signs, for a server (its IP addresses and DNS names as subject alternative
 * names) or a client (a subject CN). Files in the given folder: `<name>.crt`, `<name>.key` (0600).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CertificateFiles {
  readonly cert: string;
  readonly key: string;
}

export const OPENSSL_MISSING = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'openssl is not installed: the TLS tests that make certificates did not run';
  }
})();

const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

/** A self-signed CA `CN=<cn>`. */
export function makeCa(dir: string, name: string, cn = name): CertificateFiles {
  const files = filesOf(dir, name);
  openssl(['req', '-x509', ...EC, '-keyout', files.key, '-out', files.cert, '-days', '1', '-subj', `/CN=${cn}`]);
  chmodSync(files.key, 0o600);
  return files;
}

/** A certificate signed by `ca`: a server's (`altNames` such as `IP:127.0.0.1`) or a client's. */
export function issueCertificate(
  dir: string,
  ca: CertificateFiles,
  name: string,
  options: { cn: string; altNames?: string[] },
): CertificateFiles {
  const files = filesOf(dir, name);
  const csr = join(dir, `${name}.csr`);
  const extensions = join(dir, `${name}.ext`);
  openssl(['req', '-new', ...EC, '-keyout', files.key, '-out', csr, '-subj', `/CN=${options.cn}`]);
  chmodSync(files.key, 0o600);
  const usage = options.altNames ? 'serverAuth' : 'clientAuth';
  writeFileSync(
    extensions,
    [
      'basicConstraints = CA:FALSE',
      'keyUsage = critical, digitalSignature',
      `extendedKeyUsage = ${usage}`,
      ...(options.altNames ? [`subjectAltName = ${options.altNames.join(', ')}`] : []),
    ].join('\n'),
  );
  openssl([
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca.cert,
    '-CAkey',
    ca.key,
    '-CAcreateserial',
    '-days',
    '1',
    '-extfile',
    extensions,
    '-out',
    files.cert,
  ]);
  return files;
}

function filesOf(dir: string, name: string): CertificateFiles {
  return { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
}
