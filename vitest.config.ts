import { defineConfig } from 'vitest/config';

// Two projects: `unit` (everything that needs no host: pure code from fixtures, and the shipped
// roles rendered for the shipped inventories; fast, needs no root) and `lab` (integration tests on
// real lab hosts: systemd-nspawn Debian 12 machines reached over real SSH; needs root).
// Tests live beside the code in src/; test/ holds the lab tests and, named *.unit.test.ts, the
// host-free tests of the shipped roles next to their lab siblings (src/test-projects.test.ts
// checks that every test/ file the lab project runs does use lab hosts).
const UNIT_IN_TEST = 'test/**/*.unit.test.ts';
// TypeScript's CommonJS files (.cts: the bench's --require preload and the usage line it shares
// with the bench) are TypeScript too; Vite's default transform covers .ts and .mts only.
const oxc = { include: /\.(m?ts|cts|[jt]sx)$/ };
export default defineConfig({
  test: {
    projects: [
      {
        oxc,
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', UNIT_IN_TEST],
          environment: 'node',
          // Unit tests first (fast, pure), then the lab tests. `npm test` and `npm run test:unit`
          // run the unit project shuffled (--sequence.shuffle: files and the tests in each in a
          // new order every run, the seed printed; --sequence.seed=N replays it), so a test that
          // passes only after another fails there. Lab files keep their order (shared hosts).
          sequence: { groupOrder: 0 },
          // A few unit tests run real scrypt or /bin/sh; on a loaded 2-core machine 5 s is too tight.
          testTimeout: 30_000,
          // Render tests load whole inventories in beforeAll (10 s default: timed out at load 27).
          hookTimeout: 60_000,
        },
      },
      {
        oxc,
        test: {
          name: 'lab',
          include: ['test/**/*.test.ts'],
          exclude: [UNIT_IN_TEST],
          environment: 'node',
          globalSetup: ['test/helpers/lab-global-setup.ts'],
          testTimeout: 600_000,
          hookTimeout: 900_000,
          // Lab hosts share two CPU cores; a few files at a time is what the machine can carry.
          maxWorkers: 3,
          fileParallelism: true,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
