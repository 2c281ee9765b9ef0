export * from './prng.js';
export * from './kinematics/index.js';
export * from './imu/index.js';
export * from './ble/index.js';
