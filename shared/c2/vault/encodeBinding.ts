import { utf8 } from '../../e4/index.js';
import type { KeyBinding } from '../ports.js';

const LABEL = utf8('e4c2/key-binding/v1');

/**
 * The canonical bytes of a binding, used as the associated data of a wrapped key: a label, then each field
 * length-prefixed (so that no two bindings encode alike). Throws TypeError for a malformed binding.
 */
export function encodeBinding(binding: KeyBinding): Uint8Array {
  const { tenantId, kind, name, version } = binding ?? ({} as KeyBinding);
  for (const [field, value] of [
    ['tenantId', tenantId],
    ['kind', kind],
    ['name', name],
  ] as const) {
    if (typeof value !== 'string' || value.length === 0)
      throw new TypeError(`key binding: "${field}" must be a non-empty string`);
  }
  if (!Number.isSafeInteger(version) || version < 0)
    throw new TypeError('key binding: "version" must be a non-negative integer');
  const fields = [utf8(tenantId), utf8(kind), utf8(name), utf8(String(version))];
  const out = new Uint8Array(LABEL.length + fields.reduce((n, f) => n + 4 + f.length, 0));
  out.set(LABEL);
  let offset = LABEL.length;
  for (const field of fields) {
    new DataView(out.buffer).setUint32(offset, field.length, true);
    out.set(field, offset + 4);
    offset += 4 + field.length;
  }
  return out;
}
