/**
 * Reads a proxy configuration (JSON or YAML: the YAML parser reads both) and checks it against {@link ProxyConfig} for
 * a local or a gateway proxy. Every problem is reported at once, naming the field and its line (`topics.protect[1]
 * (line 7): ...`). Relative paths are resolved against `baseDir` (the file's folder). Pure: no file is read.
 */
import { isAbsolute, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { ProxyConfig, type ProxyMode, type Secret } from './ProxyConfig.js';
import { ProxyConfigError } from './ProxyConfigError.js';

export function parseProxyConfig(text: string, file: string, mode: ProxyMode, baseDir: string): ProxyConfig {
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new ProxyConfigError(
      file,
      // The first line of yaml's message only: the next ones quote the file (a secret could be there).
      document.errors.map((error) => `line ${error.linePos?.[0].line ?? '?'}: ${firstLine(error.message)}`),
    );
  }
  const lineOf = (path: readonly PropertyKey[]): string => {
    for (let end = path.length; end >= 0; end--) {
      const node = document.getIn(path.slice(0, end) as unknown[], true) as { range?: [number, number] } | undefined;
      if (node?.range) return ` (line ${lines.linePos(node.range[0]).line})`;
      if (end === 0) break;
    }
    return '';
  };
  const parsed = ProxyConfig.safeParse(document.toJS() ?? {});
  if (!parsed.success) {
    throw new ProxyConfigError(
      file,
      parsed.error.issues.map(
        (issue) => `${fieldOf(issue.path) || '(top level)'}${lineOf(issue.path)}: ${readable(issue.message)}`,
      ),
    );
  }
  const config = parsed.data;
  const missing = mode === 'local' ? !config.identity : !config.devices;
  if (missing) {
    const field = mode === 'local' ? 'identity' : 'devices';
    throw new ProxyConfigError(file, [`${field}: required by a ${mode} proxy`]);
  }
  if (mode === 'gateway' && config.upstream.clientId) {
    throw new ProxyConfigError(file, [
      `upstream.clientId${lineOf(['upstream', 'clientId'])}: a gateway's devices each have their own (e4-<hex id>)`,
    ]);
  }
  if (config.devices?.mapBy === 'certificateCn' && !config.listen.tls?.requireClientCertificate) {
    throw new ProxyConfigError(file, [
      `devices.mapBy${lineOf(['devices', 'mapBy'])}: certificateCn needs listen.tls.requireClientCertificate ` +
        '(and listen.tls.ca): without a verified client certificate there is no CN to trust',
    ]);
  }
  if (mode === 'local' && !isLoopback(config.listen.host)) {
    const { password, passwordHash } = config.identity ?? {};
    if (!password && passwordHash === undefined) {
      throw new ProxyConfigError(file, [
        `listen.host${lineOf(['listen', 'host'])}: a local proxy listens on a non-loopback address only with a ` +
          'downstream password (identity.passwordHash or identity.password): anyone who reaches it would act as ' +
          'its identity',
      ]);
    }
  }
  return resolvePaths(config, baseDir);
}

/** 127.0.0.0/8, ::1 and localhost: only this machine can connect. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

function fieldOf(path: readonly PropertyKey[]): string {
  return path.map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i > 0 ? '.' : ''}${String(key)}`)).join('');
}

/** zod's "expected object, received undefined" is a missing field. */
function readable(message: string): string {
  const missing = /^Invalid input: expected (\w+), received undefined$/.exec(message);
  return missing ? `required (${missing[1]})` : message;
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:$/, '');
}

function resolvePaths(config: ProxyConfig, baseDir: string): ProxyConfig {
  const path = (value: string) => (isAbsolute(value) ? value : resolve(baseDir, value));
  const secret = (value: Secret | undefined) => (value && 'file' in value ? { file: path(value.file) } : value);
  const { listen, upstream, identity, devices } = config;
  return {
    ...config,
    ...(listen.tls
      ? {
          listen: {
            ...listen,
            tls: {
              ...listen.tls,
              cert: path(listen.tls.cert),
              key: secret(listen.tls.key)!,
              ...(listen.tls.ca ? { ca: path(listen.tls.ca) } : {}),
            },
          },
        }
      : {}),
    upstream: {
      ...upstream,
      ...(upstream.ca ? { ca: path(upstream.ca) } : {}),
      ...(upstream.cert ? { cert: path(upstream.cert) } : {}),
      ...(upstream.key ? { key: secret(upstream.key) } : {}),
      ...(upstream.password ? { password: secret(upstream.password) } : {}),
    },
    ...(identity
      ? {
          identity: {
            ...identity,
            state: path(identity.state),
            ...(identity.password ? { password: secret(identity.password) } : {}),
          },
        }
      : {}),
    ...(devices
      ? {
          devices: {
            ...devices,
            ...(devices.folder ? { folder: path(devices.folder) } : {}),
            ...(devices.list
              ? {
                  list: devices.list.map((d) => ({
                    ...d,
                    state: path(d.state),
                    ...(d.password ? { password: secret(d.password) } : {}),
                  })),
                }
              : {}),
          },
        }
      : {}),
  };
}
