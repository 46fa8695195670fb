/**
 * The devices a refused factory call names (409 ALREADY_EXISTS: "...not available: a, b" for names held by a tenant
 * or another batch, "...nothing written: a, b" for devices the batch holds with another key or claimed), among those
 * it sent, with why: the API's error has a message, no list, and the CLI says a line for each device. Names are
 * matched whole against what was sent. Pure.
 */
export interface RefusedDevices {
  readonly names: string[];
  readonly reason: string;
}

export function refusedDevices(message: string, sent: readonly string[]): RefusedDevices {
  const match = /(not available|nothing written): (.*)$/s.exec(message);
  if (!match) return { names: [], reason: '' };
  const named = new Set(match[2]!.replace(/, and \d+ more$/, '').split(', '));
  return {
    names: sent.filter((name) => named.has(name)),
    reason:
      match[1] === 'not available'
        ? 'its name is held by a tenant or another batch'
        : 'the batch holds it with another key (or it is claimed): nothing of this call was written',
  };
}
