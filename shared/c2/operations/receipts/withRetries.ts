/**
 * An addition to an operation's counts after a receipt moved deliveries, tried again a few times: the deliveries have
 * moved already, so a receipt handed back to the queue would find them confirmed and count nothing (the counts would
 * stay short).
 */

/** Tries of one addition to an operation's counts. */
const COUNT_ATTEMPTS = 4;

export async function withRetries(write: () => Promise<unknown>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await write();
      return;
    } catch (error) {
      if (attempt >= COUNT_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
    }
  }
}
