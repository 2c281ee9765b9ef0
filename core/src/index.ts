export * from './math/quat.js';
export * from './exercises/catalogue.js';
export * from './joint/hip-angles.js';
export * from './body/placement.js';
export * from './recording/csv.js';
export * from './wire/index.js';
export * from './fusion/index.js';
