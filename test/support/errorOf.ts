/** The C2Error a call rejected with; the test fails when it resolved or rejected with anything else. */
import { C2Error } from '../../shared/c2/errors.js';

export async function errorOf(run: () => Promise<unknown>): Promise<C2Error> {
  try {
    await run();
  } catch (error) {
    if (error instanceof C2Error) return error;
    throw error;
  }
  throw new Error('expected a C2Error');
}
