/** The CLI's version (its package's). */
import packageJson from './package.json' with { type: 'json' };

export const CLI_VERSION: string = packageJson.version;
