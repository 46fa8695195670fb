/**
 * The URL a local client uses to reach a server bound to host:port: a wildcard host (0.0.0.0, ::) becomes the
 * loopback address, an IPv6 address goes in brackets.
 */
export function urlOf(scheme: 'http' | 'mqtt' | 'mqtts', host: string, port: number): string {
  const reachable = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' ? '::1' : host;
  const hostPart = reachable.includes(':') ? `[${reachable}]` : reachable;
  return `${scheme}://${hostPart}:${port}`;
}
