export * from './math/quat.js';
