/**
 * The filters of the operation lists, checked where the use cases take them (the HTTP schemas check the same at the
 * edge, with the lists exported here): a status, a kind, a target (type and name together), a parent operation,
 * a delivery state.
 */
import { isWellFormedString, utf8 } from '../../e4/index.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import {
  DELIVERY_STATES,
  type DeliveryState,
  OPERATION_KINDS,
  OPERATION_STATUSES,
  type OperationFilter,
  type OperationTarget,
} from '../ports/OperationStore.js';
import { OPERATION_ID } from './newOperationId.js';

type TargetType = OperationTarget['type'];

/** Every target type (a record over the type, so that a new one does not compile until it is listed here). */
const TARGET_TYPES: Readonly<Record<TargetType, true>> = {
  topic: true,
  client: true,
  link: true,
  c2key: true,
  tenant: true,
};
export const OPERATION_TARGET_TYPES = Object.keys(TARGET_TYPES) as [TargetType, ...TargetType[]];

/** A target name: a topic (512 bytes at most), a client (255) or a link (`<topic> <client>`). */
export const MAX_TARGET_NAME_BYTES = 1024;

function oneOf<T extends string>(field: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new C2Error(C2ErrorCode.InvalidInput, `"${field}" must be one of ${allowed.join(', ')}`);
  }
  return value as T;
}

export function validateOperationFilter(filter: OperationFilter): OperationFilter {
  const { status, kind, target, parentId } = filter ?? {};
  if (parentId !== undefined && (typeof parentId !== 'string' || !OPERATION_ID.test(parentId))) {
    throw new C2Error(
      C2ErrorCode.InvalidInput,
      '"parentId" must be an operation id (26 characters of Crockford base32)',
    );
  }
  let checkedTarget: OperationTarget | undefined;
  if (target !== undefined) {
    const type = oneOf('target.type', target?.type, OPERATION_TARGET_TYPES);
    const name: unknown = target.name;
    if (
      typeof name !== 'string' ||
      !isWellFormedString(name) ||
      name.length === 0 ||
      utf8(name).length > MAX_TARGET_NAME_BYTES
    ) {
      throw new C2Error(
        C2ErrorCode.InvalidInput,
        `"target.name" must be a string of 1 to ${MAX_TARGET_NAME_BYTES} bytes of UTF-8`,
      );
    }
    checkedTarget = { type, name };
  }
  return {
    ...(status === undefined ? {} : { status: oneOf('status', status, OPERATION_STATUSES) }),
    ...(kind === undefined ? {} : { kind: oneOf('kind', kind, OPERATION_KINDS) }),
    ...(checkedTarget ? { target: checkedTarget } : {}),
    ...(parentId === undefined ? {} : { parentId }),
  };
}

export function validateDeliveryState(state: DeliveryState | undefined): DeliveryState | undefined {
  return state === undefined ? undefined : oneOf('state', state, DELIVERY_STATES);
}
