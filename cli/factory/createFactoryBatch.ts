/**
 * `e4c2 factory batch create` and `append`: the devices from a CSV file (or generated, their keys written to a 0600
 * file for the flashing station before anything is sent), registered as one batch (or added to one) in calls of
 * {@link DEVICES_PER_CALL} (the API's limit a call: the first creates the batch, the others append to it), with a
 * progress bar on a terminal; the claim codes the API shows once, of every call, written to one 0600 CSV file
 * (name,id,code) and, with --labels, to a 0600 label sheet (SVG or PNG by its extension). Every file is reserved
 * (reservePrivateFile.ts) before the API is called: one that cannot be made, or exists without --force, stops the
 * command before anything is registered. A device the batch held already with the same key (a call made again after
 * its answer was lost) gets a new code (POST .../devices/{clientId}/code, the old one dead), so that the codes file
 * is complete after any re-run; one held with another key refuses the call (409 naming the devices). A call that
 * fails after others succeeded still writes the codes received (and says which batch holds how many: `append` the
 * rest);
 * should a write fail, the codes go to stdout as JSON, the last copy of them.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { progressBar } from '../bulk/progressBar.js';
import type { CliContext } from '../CliContext.js';
import { CliError, usageError } from '../CliError.js';
import { ExitCode } from '../ExitCode.js';
import { generateFactoryDevices } from './generateFactoryDevices.js';
import { labelSheetPng, labelSheetSvg } from './labelSheet.js';
import { type FactoryDeviceRow, readFactoryCsv } from './readFactoryCsv.js';
import { refusedDevices } from './refusedDevices.js';
import { type ReservedPrivateFile, reservePrivateFile } from './reservePrivateFile.js';

/** The API's limit per call (its maxItems in docs/openapi.json: test/cli/factory.test.ts checks they agree). */
export const DEVICES_PER_CALL = 100;
/** Devices of one file (or --generate): all their codes are held in memory and written to one file. */
export const MAX_FILE_DEVICES = 100_000;

export interface CreateBatchOptions {
  /** The new batch's name (create). */
  name?: string;
  /** The batch to append to (append). */
  batchId?: string;
  file?: string;
  generate?: number;
  prefix?: string;
  keysOut?: string;
  codes: string;
  labels?: string;
  /** Replace files that exist. */
  force?: boolean;
}

const csvField = (value: string) => (/[",\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);

export async function createFactoryBatch(context: CliContext, options: CreateBatchOptions): Promise<void> {
  if ((options.file === undefined) === (options.generate === undefined)) {
    throw usageError('give --file (a CSV of name,key or name,publicKey) or --generate N');
  }
  const labelsFormat = options.labels === undefined ? undefined : extname(options.labels).toLowerCase();
  if (labelsFormat !== undefined && labelsFormat !== '.svg' && labelsFormat !== '.png') {
    throw usageError('--labels names a .svg or .png file');
  }
  let devices: FactoryDeviceRow[];
  if (options.generate !== undefined) {
    if (options.prefix === undefined || options.keysOut === undefined) {
      throw usageError('--generate needs --prefix (of the device names) and --keys-out (the keys file, for flashing)');
    }
    devices = generateFactoryDevices(options.generate, options.prefix);
  } else {
    let text: string;
    try {
      text = readFileSync(options.file!, 'utf8');
    } catch (error) {
      throw usageError(`cannot read ${options.file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    devices = readFactoryCsv(text);
  }
  if (devices.length < 1 || devices.length > MAX_FILE_DEVICES) {
    throw usageError(`a file has 1 to ${MAX_FILE_DEVICES} devices (${devices.length} given): split it`);
  }
  const files: ReservedPrivateFile[] = [];
  const reserve = (path: string, option: string) => {
    const file = reservePrivateFile(path, option, options.force);
    files.push(file);
    return file;
  };
  try {
    const keysOut = options.generate === undefined ? undefined : reserve(options.keysOut!, '--keys-out');
    const codes = reserve(options.codes, '--codes');
    const labels = options.labels === undefined ? undefined : reserve(options.labels, '--labels');
    if (keysOut) {
      const rows = devices.map((device) => `${csvField(device.name)},${'key' in device ? device.key : ''}`);
      keysOut.write(`name,key\n${rows.join('\n')}\n`);
    }
    const registered = await registerInCalls(context, options, devices);
    try {
      const rows = registered.devices.map((device) => `${csvField(device.name)},${device.id},${device.code}`);
      codes.write(`name,id,code\n${rows.join('\n')}\n`);
      if (labels) {
        const sheet = registered.devices.map(({ name, code }) => ({ name, code }));
        labels.write(labelsFormat === '.svg' ? labelSheetSvg(sheet) : labelSheetPng(sheet));
      }
    } catch (error) {
      process.stdout.write(`${JSON.stringify(registered, null, 2)}\n`);
      context.output.note('The claim codes are shown once: they are above (stdout), the only copy. Keep them.');
      throw new CliError(
        `the batch ${registered.batch.id} is registered but a file could not be written ` +
          `(${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
        ExitCode.Refused,
      );
    }
    if (registered.reissued > 0) {
      context.output.note(
        `${registered.reissued} device(s) the batch held already got new codes: their earlier codes (and labels) no ` +
          `longer work; use ${options.codes}.`,
      );
    }
    if (registered.existing.length > 0) {
      context.output.note(
        `${registered.existing.length} device(s) the batch held already are claimed (no new code): ` +
          `${registered.existing.slice(0, 5).join(', ')}${registered.existing.length > 5 ? ', ...' : ''}`,
      );
    }
    if (registered.failure) {
      const { batch } = registered;
      throw new CliError(
        `the batch ${batch.id} holds ${registered.devices.length + registered.existing.length} of the ` +
          `${devices.length} devices (their codes are in ${options.codes}): ${registered.failure.message}; add the ` +
          `others with: e4c2 factory batch append ${batch.id} --file <the rest> --codes <another file>`,
        registered.failure instanceof CliError ? registered.failure.exitCode : ExitCode.Refused,
        registered.failure instanceof CliError ? registered.failure.code : undefined,
      );
    }
    context.output.record(registered.batch);
  } finally {
    for (const file of files) file.discard();
  }
  context.output.note(
    `The claim codes are shown once: written to ${options.codes} (0600)` +
      `${options.labels === undefined ? '' : ` and ${options.labels} (0600)`}. Only their hashes are stored.`,
  );
  if (options.keysOut !== undefined) context.output.note(`The generated keys are in ${options.keysOut} (0600).`);
}

type Batch = { readonly id: string } & Record<string, unknown>;

/**
 * A new code for a device the batch held already with the same key (its code shown once, by a call whose answer may
 * have been lost), so that the codes file holds every device; undefined when it is claimed (its code was used).
 */
async function reissuedCode(context: CliContext, batchId: string, clientId: string): Promise<string | undefined> {
  try {
    const reissued = await context.api.call(
      (client) =>
        client.POST('/v1/factory-batches/{batchId}/devices/{clientId}/code', {
          params: { path: { batchId, clientId } },
        }),
      { notFound: `no device ${clientId} in factory batch ${batchId}` },
    );
    return reissued.code;
  } catch (error) {
    if (error instanceof CliError && error.code === 'CLAIM_USED') return undefined;
    throw error;
  }
}

/**
 * The devices sent {@link DEVICES_PER_CALL} a call: the first call creates the batch (unless appending), the others
 * append. A call that fails after one succeeded ends the loop: what came back is returned with the `failure`.
 */
async function registerInCalls(context: CliContext, options: CreateBatchOptions, devices: readonly FactoryDeviceRow[]) {
  const coded: { name: string; id: string; code: string }[] = [];
  const existing: string[] = [];
  let reissued = 0;
  let batch: Batch | undefined;
  let failure: Error | undefined;
  const progress = progressBar(devices.length, options.batchId === undefined ? 'Registering' : 'Appending');
  try {
    for (let start = 0; start < devices.length; start += DEVICES_PER_CALL) {
      const part = devices.slice(start, start + DEVICES_PER_CALL);
      const batchId = batch?.id ?? options.batchId;
      try {
        if (batchId === undefined) {
          const created = await context.api.call((client) =>
            client.POST('/v1/factory-batches', { body: { name: options.name!, devices: part } }),
          );
          batch = created.batch;
          coded.push(...created.devices);
        } else {
          const added = await context.api.call(
            (client) =>
              client.POST('/v1/factory-batches/{batchId}/devices', {
                params: { path: { batchId } },
                body: { devices: part },
              }),
            { notFound: `no factory batch ${batchId}` },
          );
          batch = added.batch;
          // The codes answered kept first: a reissue that fails must not lose them.
          for (const device of added.devices) {
            if (device.code !== undefined) coded.push({ name: device.name, id: device.id, code: device.code });
          }
          for (const device of added.devices) {
            if (device.code !== undefined) continue;
            const code = await reissuedCode(context, batchId, device.id);
            if (code === undefined) existing.push(device.name);
            else {
              coded.push({ name: device.name, id: device.id, code });
              reissued++;
            }
          }
        }
      } catch (error) {
        if (error instanceof CliError && error.code === 'ALREADY_EXISTS') {
          const names = part.map((device) => device.name);
          for (const line of refusedDevices(error.details, names)) context.output.note(line);
        }
        if (batch === undefined) throw error;
        failure = error as Error;
        break;
      }
      progress.tick(part.length);
    }
  } finally {
    progress.stop();
  }
  return { batch: batch!, devices: coded, existing, reissued, failure };
}
