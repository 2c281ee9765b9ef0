/**
 * Sequence-number arithmetic modulo 2^32 (serial-number arithmetic in the style of RFC 1982), so the service
 * can order, dedupe and detect gaps across the wrap from 2^32 − 1 to 0.
 */
export const SEQ_MODULUS = 2 ** 32;

export const seqNext = (seq: number): number => (seq + 1) >>> 0;

/**
 * Signed distance from `from` to `to`, in [−2^31, 2^31): 1 means `to` is the next frame, 0 a duplicate,
 * negative a late (older) frame. Meaningful while the two are less than 2^31 frames apart.
 */
export const seqDelta = (from: number, to: number): number => (to - from) | 0;
