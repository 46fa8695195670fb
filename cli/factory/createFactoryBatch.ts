/**
 * `e4c2 factory batch create` and `append`: the devices from a CSV file (or generated, their keys written to a 0600
 * file for the flashing station before anything is sent), registered as one batch (or added to one) in calls of
 * {@link DEVICES_PER_CALL} (the API's limit a call: the first creates the batch, the others append to it), with a
 * progress bar on a terminal; the claim codes the API shows once are appended to one 0600 CSV file (name,id,code) as
 * each call answers (synced: a run killed midway keeps the codes it got) and, with --labels, written to a 0600 label
 * sheet (SVG or PNG by its extension) at the end. Every file is reserved (reservePrivateFile.ts) before the API is
 * called: one that cannot be made, or exists without --force, stops the command before anything is registered.
 *
 * A device the batch holds already with the same key (a file overlapping an earlier run, or a call made again after
 * its answer was lost) is listed as held, with no new code: its earlier code still works (labels may be printed).
 * Only with --reissue-codes does it get a new code (POST .../devices/{clientId}/code, the old one dead), for devices
 * whose codes were never written (a lost answer); one held with another key refuses the call (409 naming the
 * devices). A call that fails after others succeeded says which batch holds how many (`append` the rest); a first
 * call whose answer did not come (timeout, 5xx) says that a batch may exist. Should the codes file fail to be
 * written, that call's codes go to stdout as JSON, the last copy of them, and the command stops.
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
/** Devices of one file (or --generate): their codes go to one file (and are held in memory for the label sheet). */
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
  /** Give devices the batch held already new codes (their earlier codes stop working). */
  reissueCodes?: boolean;
}

interface Coded {
  readonly name: string;
  readonly id: string;
  readonly code: string;
}

const csvField = (value: string) => (/[",\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);

/** The first five names, and how many more. */
const fiveOf = (names: readonly string[]) =>
  `${names.slice(0, 5).join(', ')}${names.length > 5 ? `, and ${names.length - 5} more` : ''}`;

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
    let written = 0;
    const onCodes = (batchId: string, part: readonly Coded[]) => {
      if (part.length === 0) return;
      const rows = part.map((device) => `${csvField(device.name)},${device.id},${device.code}\n`);
      try {
        codes.append(`${written === 0 ? 'name,id,code\n' : ''}${rows.join('')}`);
        written += part.length;
      } catch (error) {
        process.stdout.write(`${JSON.stringify({ batch: batchId, devices: part }, null, 2)}\n`);
        context.output.note(
          `The claim codes are shown once: those of the last call are above (stdout), the only copy. Keep them.` +
            `${written > 0 ? ` The ${written} received before are in ${options.codes}.` : ''}`,
        );
        throw new CliError(
          `the batch ${batchId} is registered but ${options.codes} could not be written ` +
            `(${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); the rest of the devices were not sent`,
          ExitCode.Refused,
        );
      }
    };
    const registered = await registerInCalls(context, options, devices, onCodes);
    if (labels) {
      try {
        const sheet = registered.devices.map(({ name, code }) => ({ name, code }));
        labels.write(labelsFormat === '.svg' ? labelSheetSvg(sheet) : labelSheetPng(sheet));
      } catch (error) {
        throw new CliError(
          `the batch ${registered.batch.id} is registered, its codes are in ${options.codes}, but ${options.labels} ` +
            `could not be written (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
          ExitCode.Refused,
        );
      }
    }
    if (registered.reissued > 0) {
      context.output.note(
        `${registered.reissued} device(s) the batch held already got new codes: their earlier codes (and labels) no ` +
          `longer work; use ${options.codes}.`,
      );
    }
    if (registered.held.length > 0) {
      context.output.note(
        `${registered.held.length} device(s) held already: no new code (earlier codes still work): ` +
          `${fiveOf(registered.held)}. For devices whose codes were never written (an answer lost), get new codes ` +
          `with --reissue-codes (every held device's earlier code then stops working), or one at a time with ` +
          `e4c2 factory batch new-code ${registered.batch.id} <device>.`,
      );
    }
    if (registered.claimed.length > 0) {
      context.output.note(
        `${registered.claimed.length} device(s) the batch held already are claimed (no new code): ` +
          `${fiveOf(registered.claimed)}`,
      );
    }
    if (registered.failure) {
      const { batch } = registered;
      const holds = registered.devices.length + registered.held.length + registered.claimed.length;
      throw new CliError(
        `the batch ${batch.id} holds ${holds} of the ` +
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
 * have been lost); undefined when it is claimed (its code was used).
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
 * append; each call's codes handed to `onCodes` as they come (a throw there stops the run). Devices the batch held
 * already: reissued with --reissue-codes, listed as held otherwise (claimed ones apart: their codes were used). A
 * call that fails after one succeeded ends the loop: what came back is returned with the `failure`.
 */
async function registerInCalls(
  context: CliContext,
  options: CreateBatchOptions,
  devices: readonly FactoryDeviceRow[],
  onCodes: (batchId: string, part: readonly Coded[]) => void,
) {
  const coded: Coded[] = [];
  const held: string[] = [];
  const claimed: string[] = [];
  let reissued = 0;
  let batch: Batch | undefined;
  let failure: Error | undefined;
  const progress = progressBar(devices.length, options.batchId === undefined ? 'Registering' : 'Appending');
  try {
    for (let start = 0; start < devices.length; start += DEVICES_PER_CALL) {
      const part = devices.slice(start, start + DEVICES_PER_CALL);
      const batchId = batch?.id ?? options.batchId;
      const got: Coded[] = [];
      try {
        if (batchId === undefined) {
          const created = await context.api.call((client) =>
            client.POST('/v1/factory-batches', { body: { name: options.name!, devices: part } }),
          );
          batch = created.batch;
          got.push(...created.devices);
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
            if (device.code !== undefined) got.push({ name: device.name, id: device.id, code: device.code });
          }
          for (const device of added.devices) {
            if (device.code !== undefined) continue;
            if (!options.reissueCodes) {
              held.push(device.name);
              continue;
            }
            const code = await reissuedCode(context, batchId, device.id);
            if (code === undefined) claimed.push(device.name);
            else {
              got.push({ name: device.name, id: device.id, code });
              reissued++;
            }
          }
        }
      } catch (error) {
        if (error instanceof CliError && error.code === 'ALREADY_EXISTS') {
          const names = part.map((device) => device.name);
          for (const line of refusedDevices(error.details, names)) context.output.note(line);
        }
        if (batch === undefined) throw firstCallFailed(options, error);
        failure = error as Error;
      }
      if (batch !== undefined) onCodes(batch.id, got);
      coded.push(...got);
      if (failure) break;
      progress.tick(part.length);
    }
  } finally {
    progress.stop();
  }
  return { batch: batch!, devices: coded, held, claimed, reissued, failure };
}

/**
 * The error of a first call that failed: a create whose answer did not come (a timeout, a 5xx) may have registered
 * the batch anyway, so the message says where to look rather than to run `create` again (its names would be held).
 */
function firstCallFailed(options: CreateBatchOptions, error: unknown): unknown {
  if (options.batchId !== undefined || !(error instanceof CliError) || error.exitCode !== ExitCode.Server) return error;
  return new CliError(
    `${error.message}; a batch "${options.name}" may have been registered all the same: look for it with ` +
      'e4c2 factory batch list, then append the devices to it (e4c2 factory batch append <id> --file ... ' +
      '--reissue-codes gives codes to those it holds, whose codes were never shown)',
    error.exitCode,
    error.code,
  );
}
