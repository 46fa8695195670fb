/**
 * Builds the packed CLI (`npm pack -w cli` runs it, as prepack): dist/e4c2.js, one self-contained ESM bundle for
 * Node 20+ of main.ts and everything it imports (commander, openapi-fetch, yaml, zod, the device library), so that
 * `npm install -g e4c2-cli-<version>.tgz` has nothing to fetch. The banner gives the bundled CommonJS packages the
 * `require` they call for Node's built-ins.
 */
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** Bundles the CLI into `outfile` (the tests build one in a temp folder: test/support/cliBundle.ts). */
export async function bundleCli(outfile: string): Promise<void> {
  await build({
    entryPoints: [here('./main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    minify: false,
    legalComments: 'inline',
    banner: {
      js: "import { createRequire as __e4c2CreateRequire } from 'node:module';\nconst require = __e4c2CreateRequire(import.meta.url);",
    },
    logLevel: 'warning',
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  rmSync(here('./dist'), { recursive: true, force: true });
  await bundleCli(here('./dist/e4c2.js'));
}
