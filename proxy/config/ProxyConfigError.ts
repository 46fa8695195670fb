/** A configuration file the proxy cannot use: each problem names the field (and its line when the file says it). */
export class ProxyConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(`invalid proxy configuration ${file}:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ProxyConfigError';
  }
}
