import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Built into web/dist, which the server serves at `/` (src/server/web.ts).
export default defineConfig({
  root: new URL('.', import.meta.url).pathname,
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 600,
    // On a busy machine the bundler's timing report says nothing about the UI; keep build logs quiet.
    rolldownOptions: { checks: { bundlerTimings: false } },
  },
  server: {
    // `npx vite web` during development: the API comes from a running `trainyard server`.
    proxy: Object.fromEntries(['/api', '/ajax-api', '/get-artifact', '/health', '/version'].map((p) => [p, 'http://127.0.0.1:5000'])),
    fs: { allow: ['..'] },
  },
});
