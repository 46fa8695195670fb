/**
 * Binds a node:net (or node:http) server to host:port (0 = any free port) and returns the bound port, translating
 * EADDRINUSE / EACCES into a {@link LocalModeError} that names the flag to change.
 */
import type { AddressInfo, Server } from 'node:net';
import { LocalModeError, LocalModeErrorCode } from './LocalModeError.js';

export async function listenOn(server: Server, host: string, port: number, what: string): Promise<number> {
  try {
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      server.once('error', onError);
      server.listen(port, host, () => {
        server.off('error', onError);
        resolve();
      });
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      throw new LocalModeError(LocalModeErrorCode.PortInUse, `${what} port ${port} on ${host} is already in use`, {
        cause: error,
      });
    }
    if (code === 'EACCES') {
      throw new LocalModeError(
        LocalModeErrorCode.PortInUse,
        `${what} port ${port} on ${host} needs privileges this process does not have`,
        { cause: error },
      );
    }
    throw error;
  }
  return (server.address() as AddressInfo).port;
}
