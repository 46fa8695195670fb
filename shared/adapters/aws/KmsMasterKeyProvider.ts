/**
 * The master key provider of the AWS deployment: per-tenant data keys made and opened by AWS KMS under one
 * symmetric key (key id, ARN or alias). Each data key is bound to its tenant by KMS's encryption context
 * `{ tenant, purpose: 'e4c2-data-key' }`, which Decrypt must repeat: a data key wrapped for one tenant does not open
 * for another, nor once tampered with. Every failure is a C2Error KEY_UNAVAILABLE whose message names no key bytes
 * and no KMS internals (the SDK error is its `cause`). Opened data keys are cached by EnvelopeKeyVault, not here.
 */
import {
  DecryptCommand,
  GenerateDataKeyCommand,
  IncorrectKeyException,
  InvalidCiphertextException,
  type KMSClient,
} from '@aws-sdk/client-kms';
import { C2Error, C2ErrorCode } from '../../c2/errors.js';
import type { MasterKeyProvider } from '../../c2/ports.js';

const DATA_KEY_LEN = 32;
const PURPOSE = 'e4c2-data-key';
/** KMS's bounds of a CiphertextBlob. */
const MAX_WRAPPED_LEN = 6144;

/**
 * Errors meaning "this ciphertext does not open with this key and context": InvalidCiphertextException (wrong
 * context, tampered or truncated blob), IncorrectKeyException (made under another key). moto answers
 * AccessDeniedException when the blob names another key.
 */
function isWrongCiphertext(error: unknown): boolean {
  return (
    error instanceof InvalidCiphertextException ||
    error instanceof IncorrectKeyException ||
    (error as { name?: unknown } | undefined)?.name === 'AccessDeniedException'
  );
}

export class KmsMasterKeyProvider implements MasterKeyProvider {
  readonly #kms: KMSClient;
  readonly #keyId: string;

  /** `keyId`: the KMS key's id, ARN, alias name (`alias/...`) or alias ARN. The client is the caller's. */
  constructor(kms: KMSClient, keyId: string) {
    if (typeof keyId !== 'string' || keyId.length === 0) throw new TypeError('keyId must be a non-empty string');
    this.#kms = kms;
    this.#keyId = keyId;
  }

  async generateDataKey(tenantId: string): Promise<{ plaintext: Uint8Array; wrapped: Uint8Array }> {
    let output: { Plaintext?: Uint8Array | undefined; CiphertextBlob?: Uint8Array | undefined };
    try {
      output = await this.#kms.send(
        new GenerateDataKeyCommand({
          KeyId: this.#keyId,
          KeySpec: 'AES_256',
          EncryptionContext: context(tenantId),
        }),
      );
    } catch (error) {
      throw new C2Error(C2ErrorCode.KeyUnavailable, 'KMS did not make a data key', { cause: error });
    }
    const { Plaintext: plaintext, CiphertextBlob: wrapped } = output;
    if (!plaintext || plaintext.length !== DATA_KEY_LEN || !wrapped || wrapped.length === 0) {
      plaintext?.fill(0);
      throw new C2Error(C2ErrorCode.KeyUnavailable, 'KMS answered GenerateDataKey without a 32-byte data key');
    }
    return { plaintext, wrapped };
  }

  async decryptDataKey(tenantId: string, wrapped: Uint8Array): Promise<Uint8Array> {
    const encryptionContext = context(tenantId);
    if (!(wrapped instanceof Uint8Array) || wrapped.length === 0 || wrapped.length > MAX_WRAPPED_LEN) {
      throw new C2Error(C2ErrorCode.KeyUnavailable, 'the data key does not open for this tenant');
    }
    let plaintext: Uint8Array | undefined;
    try {
      ({ Plaintext: plaintext } = await this.#kms.send(
        new DecryptCommand({ KeyId: this.#keyId, CiphertextBlob: wrapped, EncryptionContext: encryptionContext }),
      ));
    } catch (error) {
      if (isWrongCiphertext(error)) {
        throw new C2Error(C2ErrorCode.KeyUnavailable, 'the data key does not open for this tenant', { cause: error });
      }
      throw new C2Error(C2ErrorCode.KeyUnavailable, 'KMS did not open the data key', { cause: error });
    }
    if (!plaintext || plaintext.length !== DATA_KEY_LEN) {
      plaintext?.fill(0);
      throw new C2Error(C2ErrorCode.KeyUnavailable, 'the data key does not open for this tenant');
    }
    return plaintext;
  }
}

function context(tenantId: string): Record<string, string> {
  if (typeof tenantId !== 'string' || tenantId.length === 0) {
    throw new TypeError('tenantId must be a non-empty string');
  }
  return { tenant: tenantId, purpose: PURPOSE };
}
