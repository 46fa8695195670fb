/**
 * Why local mode could not start, in one line an operator can act on (the CLI prints the message and exits 1).
 * Never carries key bytes.
 */
export const LocalModeErrorCode = {
  /** A port local mode should listen on is taken by another process. */
  PortInUse: 'PORT_IN_USE',
  /** The state folder cannot be created or written. */
  StateDirNotWritable: 'STATE_DIR_NOT_WRITABLE',
  /** Another running local mode holds the state folder. */
  StateDirInUse: 'STATE_DIR_IN_USE',
  /** The external MQTT broker did not accept the C2's connection. */
  BrokerUnreachable: 'BROKER_UNREACHABLE',
  /** The C2 was composed without the work queue that device receipts go to. */
  NoWorkQueue: 'NO_WORK_QUEUE',
} as const;

export type LocalModeErrorCode = (typeof LocalModeErrorCode)[keyof typeof LocalModeErrorCode];

export class LocalModeError extends Error {
  override readonly name = 'LocalModeError';
  readonly code: LocalModeErrorCode;

  constructor(code: LocalModeErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
