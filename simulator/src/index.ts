export * from './prng.js';
export * from './kinematics/index.js';
export * from './imu/index.js';
