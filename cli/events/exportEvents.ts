/**
 * `e4c2 events export`: the event log as JSON lines, oldest first, streamed to stdout or to a file as the C2 sends
 * it, every response of the export in turn (each gives the next's cursor in its Link header). A file is written
 * beside its name and renamed into place once whole, so that a failed export leaves no truncated file behind.
 */
import { once } from 'node:events';
import { createWriteStream, rmSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import type { CliContext } from '../CliContext.js';
import { CliError } from '../CliError.js';
import { ExitCode } from '../ExitCode.js';
import { nextCursorOf } from './nextCursorOf.js';

export interface EventFilters {
  actor?: string;
  action?: string;
  targetType?: 'client' | 'topic' | 'link' | 'c2key' | 'apikey' | 'policy' | 'tenant';
  target?: string;
  result?: 'ok' | 'error';
  from?: string;
  to?: string;
}

const NEWLINE = 0x0a;

async function writeAll(out: NodeJS.WritableStream, chunk: Uint8Array): Promise<void> {
  if (!out.write(chunk)) await once(out, 'drain');
}

/** Writes the export of `filters` to `out`; answers how many events (lines) it wrote. */
async function streamExport(context: CliContext, filters: EventFilters, out: NodeJS.WritableStream): Promise<number> {
  let lines = 0;
  let cursor: string | undefined;
  do {
    let link: string | null = null;
    const body = await context.api.call(async (client) => {
      const answer = await client.GET('/v1/events/export', {
        params: { query: { ...filters, ...(cursor ? { cursor } : {}) } },
        parseAs: 'stream',
      });
      link = answer.response.headers.get('link');
      return answer;
    });
    if (body) {
      for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
        for (const byte of chunk) if (byte === NEWLINE) lines++;
        await writeAll(out, chunk);
      }
    }
    cursor = nextCursorOf(link);
  } while (cursor);
  return lines;
}

export async function exportEvents(context: CliContext, filters: EventFilters, file?: string): Promise<void> {
  if (file === undefined || file === '-') {
    const lines = await streamExport(context, filters, process.stdout);
    context.output.note(`Exported ${lines} events.`);
    return;
  }
  const partial = `${file}.partial`;
  const out = createWriteStream(partial, { flags: 'w', mode: 0o600 });
  try {
    await once(out, 'open');
    const lines = await streamExport(context, filters, out);
    out.end();
    await once(out, 'finish');
    await rename(partial, file);
    context.output.note(`Exported ${lines} events to ${file}.`);
  } catch (error) {
    out.destroy();
    rmSync(partial, { force: true });
    if (error instanceof CliError) throw error;
    throw new CliError(`cannot write ${file}: ${(error as Error).message}`, ExitCode.Refused);
  }
}
