/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.test.json" }] },
  setupFilesAfterEnv: ["<rootDir>/test/setup.js"],
  globalSetup: "<rootDir>/test/global-setup.js",
  globalTeardown: "<rootDir>/test/global-teardown.js",
  maxWorkers: 2,
  // A worker's JavaScript exits within ~5 ms of jest's end message with no handle, timer or server left (checked with
  // a test environment that logged them after every suite), but on a slow 2-core machine the process can take longer
  // than jest's default 500 ms to terminate (likely Node tearing down a heap grown over dozens of suites), and jest then
  // reports a leak that is not there. A real leak still holds a worker past this and is still reported.
  workerGracefulExitTimeout: 5000,
  testTimeout: 60000,
};
