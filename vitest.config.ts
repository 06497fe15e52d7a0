import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // Integration suites each start their own stack; running them side by side on 2 cores only adds noise.
    fileParallelism: false,
    // One more try for a failed test: whole-stack tests on 2 shared cores occasionally time out; a real defect
    // fails twice, and vitest reports every retry.
    retry: 1,
  },
});
