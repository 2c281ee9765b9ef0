// The package entry point (`@hipmon/tests`): the real-service harness lives in ../harness.
export * from '../harness/index.js';
