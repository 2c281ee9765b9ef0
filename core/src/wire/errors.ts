/**
 * The one error type of the wire layer. Decoders turn every defect of untrusted input into a WireError with a
 * machine-readable code, so a consumer can count and log rejects by cause without parsing messages.
 */
export const WIRE_ERROR_CODES = [
  'truncated', // fewer bytes than the header announces (or than a header needs)
  'too_large', // payload larger than the documented maximum
  'length_mismatch', // more bytes than the header announces
  'bad_magic', // first byte is not the frame magic
  'unsupported_version', // a frame version this code does not know
  'bad_flags', // reserved flag bits or the reserved header byte are set
  'bad_role', // unknown sensor role
  'bad_seq', // sequence number not a uint32
  'bad_sensor_id', // sensor id empty, too long or with characters outside [A-Za-z0-9_.:-]
  'too_many_samples', // more samples than MAX_SAMPLES_PER_FRAME
  'bad_timing', // timestamps out of range, decreasing, or period out of range
  'inconsistent_mag', // some samples carry a magnetometer vector and others do not
  'non_finite', // NaN or ±Infinity where a number is expected
  'out_of_range', // finite, but does not fit the float32 of the binary form
  'bad_json', // not UTF-8 or not JSON at all
  'schema', // JSON of the wrong shape
  'unsupported_content_type', // an MQTT content type this codec does not speak
  'bad_topic_id', // an id that is not allowed as an MQTT topic segment
  'bad_topic', // a topic that is not an IMU topic of this protocol version
  'role_mismatch', // the frame's role differs from the role segment of its topic
] as const;

export type WireErrorCode = (typeof WIRE_ERROR_CODES)[number];

export class WireError extends Error {
  override readonly name = 'WireError';

  constructor(
    readonly code: WireErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const isWireError = (value: unknown): value is WireError => value instanceof WireError;
