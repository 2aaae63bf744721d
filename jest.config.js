/**
 * Two projects: `unit` (pure logic and programs under Pulumi's mocks; no CLI needed) and `e2e`
 * (the automation service against the real Pulumi CLI and a file backend). `npm test` runs both;
 * e2e finds or builds the CLI through scripts/setup-pulumi.sh and fails, never skips, without it.
 * @type {import('jest').Config}
 */
const common = {
  preset: "ts-jest",
  testEnvironment: "node",
  // Type checking is `npm run typecheck`'s job; ts-jest only transpiles (tsconfig isolatedModules).
  transform: { "^.+\\.ts$": ["ts-jest", { diagnostics: false }] },
  testPathIgnorePatterns: ["/node_modules/", "/dist/", "/.pulumi-state/"],
};

module.exports = {
  testTimeout: 120000,
  projects: [
    {
      ...common,
      displayName: "unit",
      testMatch: ["<rootDir>/**/*.test.ts"],
      testPathIgnorePatterns: [...common.testPathIgnorePatterns, "\\.e2e\\.test\\.ts$"],
    },
    {
      ...common,
      displayName: "e2e",
      testMatch: ["<rootDir>/**/*.e2e.test.ts"],
      globalSetup: "<rootDir>/automation/testing/globalSetup.js",
      // Node's, ignoring an interrupted inline program's late gRPC rejections as the service does.
      testEnvironment: "<rootDir>/automation/testing/e2eEnvironment.js",
    },
  ],
};
