import { type AddressInfo, createServer } from 'node:net';

/** A TCP port free on 127.0.0.1 right now (for servers that cannot be told to pick one themselves). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
