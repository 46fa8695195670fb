/**
 * `e4c2 factory batch create`: the devices from a CSV file (or generated, their keys written to a 0600 file for the
 * flashing station before anything is sent), registered as one batch; the claim codes the API shows once written to
 * a 0600 CSV file (name,id,code) and, with --labels, to a label sheet (SVG or PNG by its extension).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { CliContext } from '../CliContext.js';
import { usageError } from '../CliError.js';
import { writePrivateFile } from '../config/writePrivateFile.js';
import { generateFactoryDevices } from './generateFactoryDevices.js';
import { labelSheetPng, labelSheetSvg } from './labelSheet.js';
import { type FactoryDeviceRow, readFactoryCsv } from './readFactoryCsv.js';

/** The API's limit per batch. */
export const MAX_BATCH_DEVICES = 500;

export interface CreateBatchOptions {
  name: string;
  file?: string;
  generate?: number;
  prefix?: string;
  keysOut?: string;
  codes: string;
  labels?: string;
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
  if (options.keysOut !== undefined && options.generate !== undefined) {
    const rows = devices.map((device) => `${csvField(device.name)},${'key' in device ? device.key : ''}`);
    writePrivateFile(options.keysOut, `name,key\n${rows.join('\n')}\n`);
  }
  const registered = await context.api.call((client) =>
    client.POST('/v1/factory-batches', { body: { name: options.name, devices } }),
  );
  const rows = registered.devices.map((device) => `${csvField(device.name)},${device.id},${device.code}`);
  writePrivateFile(options.codes, `name,id,code\n${rows.join('\n')}\n`);
  if (options.labels !== undefined) {
    const labels = registered.devices.map(({ name, code }) => ({ name, code }));
    if (labelsFormat === '.svg') writeFileSync(options.labels, labelSheetSvg(labels), { mode: 0o600 });
    else writeFileSync(options.labels, labelSheetPng(labels), { mode: 0o600 });
  }
  context.output.record(registered.batch);
  context.output.note(
    `The claim codes are shown once: written to ${options.codes} (0600)` +
      `${options.labels === undefined ? '' : ` and ${options.labels}`}. Only their hashes are stored.`,
  );
  if (options.keysOut !== undefined) context.output.note(`The generated keys are in ${options.keysOut} (0600).`);
}
