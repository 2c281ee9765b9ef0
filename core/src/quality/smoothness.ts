/**
 * Movement smoothness: SPARC, the spectral arc length of the speed profile (Balasubramanian, Melendez-Calderon,
 * Roby-Brami & Burdet 2015, "On the analysis of movement smoothness", J NeuroEng Rehabil 12:112).
 *
 * The Fourier magnitude spectrum of the speed profile, zero-padded and normalised to its DC value, is cut where it
 * last exceeds an amplitude threshold below a maximum cut-off frequency; SPARC is minus the length of that curve
 * with the frequency axis normalised to the selected band. A smooth single-peaked movement has a compact spectrum
 * and a short arc (≈ −1.4 to −1.6 for a minimum-jerk reach); hesitations and sub-movements add spectral ripple and
 * make SPARC more negative. It is dimensionless and independent of amplitude and duration, and it is more robust
 * to measurement noise than jerk-based measures — the reason to prefer it over the log dimensionless jerk here,
 * where speeds come from differentiated joint angles. Parameters: the paper's defaults (fc 10 Hz, threshold 0.05,
 * four levels of zero padding).
 */
import FFT from 'fft.js';

/** FFT plans by length: building the twiddle table costs more than one transform of a rep. */
const plans = new Map<number, { fft: FFT; input: Float64Array; spectrum: Float64Array }>();

function planFor(n: number): { fft: FFT; input: Float64Array; spectrum: Float64Array } {
  let plan = plans.get(n);
  if (!plan) {
    const fft = new FFT(n);
    plan = { fft, input: new Float64Array(n), spectrum: new Float64Array(2 * n) };
    plans.set(n, plan);
  }
  return plan;
}

const nextPowerOfTwo = (n: number): number => 2 ** Math.ceil(Math.log2(Math.max(2, n)));

export interface SparcOptions {
  /** Highest frequency considered, Hz. Default 10. */
  maxCutoffHz?: number;
  /** Normalised magnitude below which the spectrum is cut off. Default 0.05. */
  amplitudeThreshold?: number;
  /** Zero padding: the FFT length is the next power of two of the profile length times 2^padLevel. Default 4. */
  padLevel?: number;
}

/**
 * SPARC of a speed profile (non-negative values, uniformly sampled at `sampleRateHz`), from `start` for `length`
 * samples. NaN when the profile is empty or all zero.
 */
export function sparc(
  speed: ArrayLike<number>,
  sampleRateHz: number,
  options: SparcOptions = {},
  start = 0,
  length = speed.length - start,
): number {
  const fc = options.maxCutoffHz ?? 10;
  const threshold = options.amplitudeThreshold ?? 0.05;
  const pad = options.padLevel ?? 4;
  if (length < 2 || !(sampleRateHz > 0)) return Number.NaN;
  const n = nextPowerOfTwo(length) * 2 ** pad;
  const { fft, input, spectrum } = planFor(n);
  input.fill(0);
  for (let i = 0; i < length; i++) input[i] = speed[start + i]!;
  // Interleaved [re, im]; realTransform fills bins 0…n/2, all the arc needs.
  fft.realTransform(spectrum, input);
  const magnitude = (k: number): number => Math.hypot(spectrum[2 * k]!, spectrum[2 * k + 1]!);
  const df = sampleRateHz / n;
  const bins = Math.min(n / 2, Math.floor(fc / df));
  const dc = magnitude(0);
  if (!(dc > 0)) return Number.NaN;
  // Last bin (≤ fc) whose normalised magnitude reaches the threshold: the adaptive cut-off.
  let last = 0;
  for (let k = 0; k <= bins; k++) if (magnitude(k) / dc >= threshold) last = k;
  if (last === 0) return 0;
  const band = last * df;
  let arc = 0;
  let prev = 1;
  for (let k = 1; k <= last; k++) {
    const m = magnitude(k) / dc;
    const dm = m - prev;
    const dfNorm = df / band;
    arc += Math.sqrt(dfNorm * dfNorm + dm * dm);
    prev = m;
  }
  return -arc;
}
