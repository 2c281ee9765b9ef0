export * from './virtual-patient.js';
export * from './programme.js';
export * from './clinic.js';
