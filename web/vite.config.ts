import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// `npm run dev` proxies the API to a platform started with `lcnc serve` (port 8000).
export default defineConfig({
  plugins: [react()],
  server: { proxy: { '/api': process.env.LCNC_API ?? 'http://127.0.0.1:8000' } },
  build: { outDir: 'dist', sourcemap: false, chunkSizeWarningLimit: 2000 },
  test: { environment: 'node', include: ['src/**/*.test.ts'] },
});
