/**
 * Encoding and decoding of command plaintexts, from one table: for each command, its opcode, its fields in order
 * and their sizes. The decoder enforces the exact length (SetIDKey: 32 bytes in symmetric mode, 64 in public-key
 * mode); anything else is an {@link E4Error}, never another exception.
 */
import { E4Error, E4ErrorCode } from '../errors.js';
import { type Command, type CommandType, Opcode } from './Command.js';

type FieldName = 'topicHash' | 'key' | 'id' | 'publicKey';
interface Layout {
  readonly fields: readonly (readonly [FieldName, number])[];
  /** Accepted argument lengths when they are not the sum of the fields (SetIDKey). */
  readonly lengths?: readonly number[];
}

const LAYOUTS: Record<CommandType, Layout> = {
  RemoveTopic: { fields: [['topicHash', 16]] },
  ResetTopics: { fields: [] },
  SetIDKey: { fields: [['key', 0]], lengths: [32, 64] },
  SetTopicKey: {
    fields: [
      ['key', 32],
      ['topicHash', 16],
    ],
  },
  RemovePubKey: { fields: [['id', 16]] },
  ResetPubKeys: { fields: [] },
  SetPubKey: {
    fields: [
      ['publicKey', 32],
      ['id', 16],
    ],
  },
  SetC2Key: { fields: [['publicKey', 32]] },
};

const BY_OPCODE = new Map<number, CommandType>(Object.entries(Opcode).map(([type, op]) => [op, type as CommandType]));

function acceptedLengths(layout: Layout): readonly number[] {
  return layout.lengths ?? [layout.fields.reduce((sum, [, size]) => sum + size, 0)];
}

/** Decodes a command plaintext (opcode ‖ arguments). */
export function decodeCommand(plaintext: Uint8Array): Command {
  const type = plaintext.length > 0 ? BY_OPCODE.get(plaintext[0]!) : undefined;
  if (type === undefined) throw new E4Error(E4ErrorCode.InvalidCommand, 'invalid command');
  const layout = LAYOUTS[type];
  const argLength = plaintext.length - 1;
  if (!acceptedLengths(layout).includes(argLength)) {
    throw new E4Error(E4ErrorCode.InvalidCommandLength, `invalid ${type} length`);
  }
  const command: Record<string, unknown> = { type };
  let offset = 1;
  for (const [name, size] of layout.fields) {
    const length = size === 0 ? argLength : size;
    command[name] = plaintext.slice(offset, offset + length);
    offset += length;
  }
  return command as Command;
}

/** Encodes a command into its plaintext; throws RangeError for a field of the wrong size. */
export function encodeCommand(command: Command): Uint8Array {
  const layout = LAYOUTS[command.type];
  if (!layout) throw new TypeError(`encodeCommand: unknown command type ${String(command.type)}`);
  const values = command as unknown as Record<string, Uint8Array>;
  const parts = layout.fields.map(([name, size]) => {
    const value = values[name];
    if (!(value instanceof Uint8Array)) throw new TypeError(`encodeCommand: "${name}" must be a Uint8Array`);
    if (size !== 0 && value.length !== size) {
      throw new RangeError(`encodeCommand: "${name}" of ${command.type} must be ${size} bytes, got ${value.length}`);
    }
    return value;
  });
  const argLength = parts.reduce((sum, part) => sum + part.length, 0);
  if (!acceptedLengths(layout).includes(argLength)) {
    throw new RangeError(`encodeCommand: ${command.type} takes ${acceptedLengths(layout).join(' or ')} bytes`);
  }
  const out = new Uint8Array(1 + argLength);
  out[0] = Opcode[command.type];
  let offset = 1;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
