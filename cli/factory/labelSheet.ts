/**
 * Label sheets of claim codes: an A4 grid (3 columns of 7 labels a page, 70 x 42 mm each), a QR code of the claim
 * code on each label. SVG: one document of as many pages as needed, stacked (each page an A4 group), the device name
 * and the code in text under each QR code. PNG: one image of the pages stacked, at 8 pixels a millimetre, the QR
 * codes only (no text: a PNG has no fonts; the labels are in the order of the codes file). QR codes by the `qrcode`
 * package (error correction M).
 */
import { PNG } from 'pngjs';
import QRCode from 'qrcode';

export interface Label {
  readonly name: string;
  readonly code: string;
}

const PAGE = { width: 210, height: 297 };
const COLUMNS = 3;
const ROWS = 7;
const LABEL = { width: 70, height: 42 };
const MARGIN_TOP = (PAGE.height - ROWS * LABEL.height) / 2;
const QR_SIZE = 28;
const PER_PAGE = COLUMNS * ROWS;

const escapeXml = (text: string) =>
  text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);

function placeOf(index: number): { page: number; x: number; y: number } {
  const page = Math.floor(index / PER_PAGE);
  const slot = index % PER_PAGE;
  return {
    page,
    x: (slot % COLUMNS) * LABEL.width,
    y: page * PAGE.height + MARGIN_TOP + Math.floor(slot / COLUMNS) * LABEL.height,
  };
}

function matrixOf(code: string): { size: number; dark: (row: number, column: number) => boolean } {
  const { modules } = QRCode.create(code, { errorCorrectionLevel: 'M' });
  return { size: modules.size, dark: (row, column) => modules.get(row, column) === 1 };
}

export function labelSheetSvg(labels: readonly Label[]): string {
  const pages = Math.max(1, Math.ceil(labels.length / PER_PAGE));
  const height = pages * PAGE.height;
  const parts = labels.map((label, index) => {
    const { x, y } = placeOf(index);
    const { size, dark } = matrixOf(label.code);
    const quiet = 2;
    const span = size + 2 * quiet;
    let path = '';
    for (let row = 0; row < size; row++) {
      for (let column = 0; column < size; column++) {
        if (dark(row, column)) path += `M${column + quiet} ${row + quiet}h1v1h-1z`;
      }
    }
    const qrX = x + (LABEL.width - QR_SIZE) / 2;
    return [
      `<g class="label">`,
      `<svg class="qr" x="${qrX}" y="${y + 2}" width="${QR_SIZE}" height="${QR_SIZE}" viewBox="0 0 ${span} ${span}" shape-rendering="crispEdges">`,
      `<rect width="${span}" height="${span}" fill="#fff"/><path fill="#000" d="${path}"/></svg>`,
      `<text x="${x + LABEL.width / 2}" y="${y + QR_SIZE + 6}" font-family="sans-serif" font-size="3.2" text-anchor="middle">${escapeXml(label.name)}</text>`,
      `<text x="${x + LABEL.width / 2}" y="${y + QR_SIZE + 10.5}" font-family="monospace" font-size="3.2" text-anchor="middle">${escapeXml(label.code)}</text>`,
      `</g>`,
    ].join('');
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${PAGE.width}mm" height="${height}mm" viewBox="0 0 ${PAGE.width} ${height}">`,
    `<rect width="${PAGE.width}" height="${height}" fill="#fff"/>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}

/** Pixels a millimetre of the PNG sheet. */
export const PNG_SCALE = 8;

export function labelSheetPng(labels: readonly Label[]): Buffer {
  const pages = Math.max(1, Math.ceil(labels.length / PER_PAGE));
  const png = new PNG({ width: PAGE.width * PNG_SCALE, height: pages * PAGE.height * PNG_SCALE });
  png.data.fill(0xff);
  labels.forEach((label, index) => {
    const { x, y } = placeOf(index);
    const { size, dark } = matrixOf(label.code);
    const quiet = 2;
    const module = Math.floor((QR_SIZE * PNG_SCALE) / (size + 2 * quiet));
    const left = Math.round((x + (LABEL.width - QR_SIZE) / 2) * PNG_SCALE) + quiet * module;
    const top = Math.round((y + 2) * PNG_SCALE) + quiet * module;
    for (let row = 0; row < size; row++) {
      for (let column = 0; column < size; column++) {
        if (!dark(row, column)) continue;
        for (let dy = 0; dy < module; dy++) {
          const start = ((top + row * module + dy) * png.width + left + column * module) * 4;
          for (let dx = 0; dx < module; dx++) png.data.fill(0, start + dx * 4, start + dx * 4 + 3);
        }
      }
    }
  });
  return PNG.sync.write(png);
}
