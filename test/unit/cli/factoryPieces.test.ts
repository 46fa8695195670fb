/**
 * The pure pieces of `e4c2 factory batch create`: the devices CSV (columns, one key a line, bad lines refused whole,
 * naming the line and never the key), generated devices (names and fresh keys), and label sheets (an A4 grid, pages
 * as needed, names escaped; a PNG of the page size), the devices a refused call names.
 */
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { CliError } from '../../../cli/CliError.js';
import { generateFactoryDevices } from '../../../cli/factory/generateFactoryDevices.js';
import { labelSheetPng, labelSheetSvg } from '../../../cli/factory/labelSheet.js';
import { readFactoryCsv } from '../../../cli/factory/readFactoryCsv.js';
import { refusedDevices } from '../../../cli/factory/refusedDevices.js';

const KEY = Buffer.alloc(32, 1).toString('base64');
const PUB = Buffer.alloc(32, 2).toString('base64');

function refusal(text: string): string {
  try {
    readFactoryCsv(text);
  } catch (error) {
    expect(error).toBeInstanceOf(CliError);
    return (error as Error).message;
  }
  throw new Error('accepted');
}

describe('the devices CSV', () => {
  it('reads keys and public keys, in either column order, skipping blank lines', () => {
    expect(readFactoryCsv(`name,key,publicKey\nd-1,${KEY},\n\nd-2,,${PUB}\n`)).toEqual([
      { name: 'd-1', key: KEY },
      { name: 'd-2', publicKey: PUB },
    ]);
    expect(readFactoryCsv(`publicKey,name\n${PUB},d-3\n`)).toEqual([{ name: 'd-3', publicKey: PUB }]);
  });

  it('refuses a bad file whole, naming the line and never the key', () => {
    expect(refusal('')).toContain('empty');
    expect(refusal('name,password\n')).toContain('unknown column');
    expect(refusal(`key\n${KEY}\n`)).toContain('no "name"');
    expect(refusal('name\nd-1\n')).toContain('no "key" or "publicKey"');
    expect(refusal(`name,key\nd-1,${KEY}\nd-1,${KEY}\n`)).toContain('line 3');
    expect(refusal(`name,key,publicKey\nd-1,${KEY},${PUB}\n`)).toContain('one of key or publicKey');
    const short = Buffer.alloc(31, 7).toString('base64');
    const message = refusal(`name,key\nd-1,${short}\n`);
    expect(message).toContain('line 2');
    expect(message).not.toContain(short);
    expect(refusal(`name,key\nd-1\n`)).toContain('line 2');
  });
});

describe('generated devices', () => {
  it('are named prefix + a padded number, each with its own 32-byte key', () => {
    const devices = generateFactoryDevices(3, 'gen-');
    expect(devices.map((d) => d.name)).toEqual(['gen-0001', 'gen-0002', 'gen-0003']);
    expect(new Set(devices.map((d) => d.key)).size).toBe(3);
    for (const { key } of devices) expect(Buffer.from(key, 'base64')).toHaveLength(32);
  });
});

describe('label sheets', () => {
  const labels = Array.from({ length: 22 }, (_, i) => ({
    name: `d<${i}>&`,
    code: `ABCDE-FGHJK-MNPQR-STVWX-YZ01${i % 10}`,
  }));

  it('SVG: an A4 page per 21 labels, a QR code and the escaped name and code under each', () => {
    const svg = labelSheetSvg(labels);
    expect(svg).toContain('width="210mm" height="594mm"');
    expect(svg.match(/<svg class="qr"/g)).toHaveLength(22);
    expect(svg).toContain('>d&lt;0&gt;&amp;</text>');
    expect(svg).not.toContain('d<0>');
    expect(svg).toContain('>ABCDE-FGHJK-MNPQR-STVWX-YZ010</text>');
  });

  it('PNG: the pages at 8 pixels a millimetre, with dark modules', () => {
    const png = PNG.sync.read(labelSheetPng(labels.slice(0, 2)));
    expect([png.width, png.height]).toEqual([1680, 2376]);
    expect(png.data.some((byte, i) => i % 4 === 0 && byte === 0)).toBe(true);
  });
});

describe('the devices a refused call names', () => {
  it('are those sent that the details list, in the order sent, with why; none without details', () => {
    const sent = ['d-1', 'd-10', 'd-2', 'd 3'];
    const details = {
      devices: [
        { name: 'd 3', reason: 'other-key' as const },
        { name: 'x', reason: 'name-taken' as const },
        { name: 'd-1', reason: 'name-taken' as const },
      ],
    };
    expect(refusedDevices(details, sent)).toEqual([
      'd-1: its name is held by a tenant or another batch',
      'd 3: the batch holds it with another key (or it is claimed): nothing of this call was written',
    ]);
    expect(refusedDevices(undefined, sent)).toEqual([]);
    expect(refusedDevices({}, sent)).toEqual([]);
  });
});
