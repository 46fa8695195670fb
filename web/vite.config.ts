/**
 * Vite build of the operator web UI (web/): Preact components compiled by Vite's own JSX transform (no plugin), built
 * to web/dist with hashed file names under assets/. Local mode builds it when needed (local/buildWebUi.ts) and serves
 * it at `/` beside the API (`/v1`); `npm run dev:web` serves it with hot reload, the API proxied to local mode.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
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
});
