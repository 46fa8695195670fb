/** The eight E4 control commands (docs/protocol.md, section 5), as decoded values. Names follow e4go. */
export type Command =
  | { readonly type: 'RemoveTopic'; readonly topicHash: Uint8Array }
  | { readonly type: 'ResetTopics' }
  | { readonly type: 'SetIDKey'; readonly key: Uint8Array }
  | { readonly type: 'SetTopicKey'; readonly key: Uint8Array; readonly topicHash: Uint8Array }
  | { readonly type: 'RemovePubKey'; readonly id: Uint8Array }
  | { readonly type: 'ResetPubKeys' }
  | { readonly type: 'SetPubKey'; readonly publicKey: Uint8Array; readonly id: Uint8Array }
  | { readonly type: 'SetC2Key'; readonly publicKey: Uint8Array };

export type CommandType = Command['type'];

/** Opcodes: the first byte of a command's plaintext. */
export const Opcode = {
  RemoveTopic: 0x00,
  ResetTopics: 0x01,
  SetIDKey: 0x02,
  SetTopicKey: 0x03,
  RemovePubKey: 0x04,
  ResetPubKeys: 0x05,
  SetPubKey: 0x06,
  SetC2Key: 0x07,
} as const satisfies Record<CommandType, number>;

/** Commands only a public-key client accepts. */
export const PUBKEY_ONLY_COMMANDS: ReadonlySet<CommandType> = new Set([
  'RemovePubKey',
  'ResetPubKeys',
  'SetPubKey',
  'SetC2Key',
]);
