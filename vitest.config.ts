import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{core,simulator,gateway,services,dashboard,cli}/src/**/*.test.ts'],
          // Property tests with thousands of cases: a bound against hangs, not a speed requirement.
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['tests/**/*.test.ts'],
          // Real mosquitto/influxd/chromium processes: generous, but bounded.
          testTimeout: 120_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
