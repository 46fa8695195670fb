/**
 * `e4c2 factory batch create`: the devices from a CSV file (or generated, their keys written to a 0600 file for the
 * flashing station before anything is sent), registered as one batch; the claim codes the API shows once written to
 * a 0600 CSV file (name,id,code) and, with --labels, to a 0600 label sheet (SVG or PNG by its extension). Every
 * file is reserved (reservePrivateFile.ts) before the API is called: one that cannot be made, or exists without
 * --force, stops the command before anything is registered. Should a write still fail after the call, the answer
 * (the codes) goes to stdout as JSON, the last copy of them.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { CliContext } from '../CliContext.js';
import { CliError, usageError } from '../CliError.js';
import { ExitCode } from '../ExitCode.js';
import { generateFactoryDevices } from './generateFactoryDevices.js';
import { labelSheetPng, labelSheetSvg } from './labelSheet.js';
import { type FactoryDeviceRow, readFactoryCsv } from './readFactoryCsv.js';
import { type ReservedPrivateFile, reservePrivateFile } from './reservePrivateFile.js';

/** The API's limit per batch (its maxItems in docs/openapi.json: test/cli/factory.test.ts checks they agree). */
export const MAX_BATCH_DEVICES = 500;

export interface CreateBatchOptions {
  name: string;
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
  if (devices.length < 1 || devices.length > MAX_BATCH_DEVICES) {
    throw usageError(`a batch has 1 to ${MAX_BATCH_DEVICES} devices (${devices.length} given): split the file`);
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
    const registered = await context.api.call((client) =>
      client.POST('/v1/factory-batches', { body: { name: options.name, devices } }),
    );
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
