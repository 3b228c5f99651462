// Benchmarks run with the same TypeScript transform as the tests, one file at a time.
const base = require('../jest.config.js');
const { transform, transformIgnorePatterns, moduleFileExtensions } = base.projects[0];

/** @type {import('jest').Config} */
module.exports = {
  rootDir: '..',
  transform,
  transformIgnorePatterns,
  moduleFileExtensions,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/bench/**/*.bench.ts'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 600000,
  maxWorkers: 1,
};
