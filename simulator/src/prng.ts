/**
 * Small seeded pseudo-random generator (sfc32, Chris Doty-Humphrey's "small fast chaotic" generator) with the
 * helpers the simulator needs. Same seed → same sequence on every platform: all arithmetic is 32-bit integer.
 */
export interface Prng {
  /** Next raw 32-bit unsigned integer. */
  nextUint32(): number;
  /** Uniform in [0, 1) with 32 bits of resolution. */
  next(): number;
  /** Uniform in [min, max). */
  uniform(min?: number, max?: number): number;
  /** Normal deviate (Box–Muller). */
  gaussian(mean?: number, sd?: number): number;
  /** Integer uniform in [min, maxExclusive). */
  int(min: number, maxExclusive: number): number;
  /** Fisher–Yates shuffle of a copy. */
  shuffled<T>(items: readonly T[]): T[];
  /** An independent generator derived from this one's seed and a label (streams that don't disturb each other). */
  fork(label: string): Prng;
}

/** 32-bit FNV-1a of a string: turns string seeds and fork labels into integers. */
function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** splitmix32 step: spreads a (possibly tiny) seed over the whole state so nearby seeds give unrelated streams. */
function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** Seed: any finite number (its integer part and sign are used) or a string. */
export function createPrng(seed: number | string): Prng {
  if (typeof seed === 'number' && !Number.isFinite(seed)) throw new Error(`PRNG seed must be finite, got ${seed}`);
  const seedInt = typeof seed === 'string' ? hashString(seed) : Math.trunc(seed) >>> 0;
  // Include the high part of large numeric seeds so 1 and 2**32 + 1 differ.
  const high = typeof seed === 'number' ? Math.floor(Math.abs(Math.trunc(seed)) / 2 ** 32) >>> 0 : 0;
  const sm = { s: seedInt ^ Math.imul(high, 0x27d4eb2d) };
  let a = splitmix32(sm),
    b = splitmix32(sm),
    c = splitmix32(sm),
    d = splitmix32(sm);

  const nextUint32 = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  // Warm-up: sfc32 mixes its state within a few rounds.
  for (let i = 0; i < 12; i++) nextUint32();

  const next = (): number => nextUint32() / 4294967296;
  let spareGaussian: number | undefined;

  const prng: Prng = {
    nextUint32,
    next,
    uniform: (min = 0, max = 1) => min + (max - min) * next(),
    gaussian(mean = 0, sd = 1) {
      if (spareGaussian !== undefined) {
        const z = spareGaussian;
        spareGaussian = undefined;
        return mean + sd * z;
      }
      // 1 − u ∈ (0, 1] keeps the log finite.
      const r = Math.sqrt(-2 * Math.log(1 - next()));
      const theta = 2 * Math.PI * next();
      spareGaussian = r * Math.sin(theta);
      return mean + sd * r * Math.cos(theta);
    },
    int(min, maxExclusive) {
      if (!(maxExclusive > min)) throw new Error(`empty integer range [${min}, ${maxExclusive})`);
      return min + Math.floor(next() * (maxExclusive - min));
    },
    shuffled<T>(items: readonly T[]): T[] {
      const out = [...items];
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [out[i], out[j]] = [out[j]!, out[i]!];
      }
      return out;
    },
    fork: (label: string) => createPrng(`${seedInt}:${high}:${label}`),
  };
  return prng;
}
