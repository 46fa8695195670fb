/**
 * Vite build of the operator web UI (web/): Preact components compiled by Vite's own JSX transform (no plugin), built
 * to web/dist with hashed file names under assets/. Local mode builds it when needed (local/buildWebUi.ts) and serves
 * it at `/` beside the API (`/v1`); `npm run dev:web` serves it with hot reload, the API proxied to local mode.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig(({ command }) => ({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  // Development JSX (source paths and line numbers in the bundle) only for the dev server, whatever NODE_ENV says: the
  // build API otherwise follows the calling process's environment (a test run's NODE_ENV=test).
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact', development: command === 'serve' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // No inline script or style: the page runs under a Content-Security-Policy of script-src 'self'.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
  server: { proxy: { '/v1': process.env.E4C2_API_URL ?? 'http://127.0.0.1:8080' } },
}));
