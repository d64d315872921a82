import { defineConfig } from 'vitest/config'

// Browser tests: plain playwright-core driving Debian's chromium, run by vitest.
// The server under test is given by MANYI_URL (default http://127.0.0.1:18080).
export default defineConfig({
  test: {
    include: ['e2e/**/*.spec.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 60_000,
    fileParallelism: false,
    sequence: { concurrent: false },
  },
})
