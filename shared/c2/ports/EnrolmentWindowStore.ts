/**
 * Enrolment windows of a tenant (enrolment by trust on first use, shared/c2/enrolment/): a time limit and a maximum
 * count within which the holder of the window's `enrol` token enrols devices itself. The count is taken one
 * conditional write at a time, so that concurrent enrolments never take a window past its maximum. Failures are
 * C2Errors: ALREADY_EXISTS, NOT_FOUND, CONCURRENT_UPDATE, INVALID_CURSOR.
 */

export const ENROLMENT_MODES = ['symmetric', 'pubkey', 'any'] as const;
/** The clients a window enrols: symmetric, public-key, or either. */
export type EnrolmentMode = (typeof ENROLMENT_MODES)[number];

export interface EnrolmentWindowRecord {
  readonly tenantId: string;
  /** The key id of its `enrol` token (an API key of the tenant): the token names its window. */
  readonly id: string;
  readonly name?: string;
  readonly mode: EnrolmentMode;
  /** Each client enrolled is put on these topics (names). */
  readonly topics: readonly string[];
  readonly maxCount: number;
  /** Slots taken (enrolments done or under way). */
  readonly enrolled: number;
  /** ISO 8601: enrolments are refused from then on (the token expires then too). */
  readonly closesAt: string;
  /** ISO 8601: closed by hand before `closesAt`. */
  readonly closedAt?: string;
  /** Who opened it (an actor of the event log). */
  readonly actor: string;
  readonly createdAt: string;
}

export interface EnrolmentWindowStore {
  /** ALREADY_EXISTS when the id is taken. */
  createEnrolmentWindow(record: EnrolmentWindowRecord): Promise<void>;
  getEnrolmentWindow(tenantId: string, id: string): Promise<EnrolmentWindowRecord | undefined>;
  /** In id order; `page` and the answer as ports.ts's PageRequest and Page (not imported: ports.ts imports this). */
  listEnrolmentWindows(
    tenantId: string,
    page: { readonly limit: number; readonly cursor?: string },
  ): Promise<{ readonly items: EnrolmentWindowRecord[]; readonly cursor?: string }>;
  /**
   * Takes one slot (`enrolled` + 1) if the window is not closed, `now` (ISO 8601) is before its `closesAt` and it
   * has a slot left; returns the window as updated. CONCURRENT_UPDATE when it does not (read it to say why),
   * NOT_FOUND when there is no such window.
   */
  takeEnrolmentSlot(tenantId: string, id: string, now: string): Promise<EnrolmentWindowRecord>;
  /** Gives back a slot taken by an enrolment that failed (never below zero; nothing without the window). */
  releaseEnrolmentSlot(tenantId: string, id: string): Promise<void>;
  /** Sets `closedAt` unless it is set already (then nothing); NOT_FOUND when there is no such window. */
  closeEnrolmentWindow(tenantId: string, id: string, at: string): Promise<void>;
}
