/** 'ok' when `run` resolves, else the `code` of the error it rejected with (or its name when it has none). */
export async function codeOfAsync(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
    return 'ok';
  } catch (error) {
    return (error as { code?: string }).code ?? (error as Error).name;
  }
}
