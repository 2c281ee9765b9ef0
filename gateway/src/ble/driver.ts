/**
 * What every BLE sensor driver produces: readings in the canonical units (rad/s, m/s² specific force, µT) tagged
 * with the sensor's own sample counter when the device sends one, so the clock mapper can place them in gateway time.
 */
import type { ImuReading } from '@hipmon/core';

export interface CountedReading extends ImuReading {
  /** The sensor's sample index (its clock in sample periods), or undefined when the device sends none. */
  counter?: number;
  /** Sensor time in seconds when the device sends a real timestamp rather than a counter (e.g. Movella DOT, µs). */
  sensorTime?: number;
}

/** Standard gravity, m/s² (ISO 80000-3); devices that report in g are scaled with it. */
export const STANDARD_GRAVITY = 9.80665;

/** Normalises a BLE UUID to noble's form: lower case, no dashes. */
export const nobleUuid = (uuid: string): string => uuid.toLowerCase().replace(/-/g, '');
