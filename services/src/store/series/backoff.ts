/**
 * Exponential backoff with jitter: the n-th delay is drawn uniformly from [cap/2, cap] with
 * cap = min(maxMs, initialMs · 2^n). Half the cap is fixed so delays really grow; the random half spreads the
 * retries of many workers that lost the database at the same moment.
 */
export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** Uniform [0, 1); injectable so tests can pin the jitter. */
  random?: () => number;
}

export class Backoff {
  private attempt = 0;
  private readonly random: () => number;

  constructor(private readonly options: BackoffOptions) {
    if (!(options.initialMs > 0) || !(options.maxMs >= options.initialMs)) {
      throw new RangeError('backoff needs 0 < initialMs ≤ maxMs');
    }
    this.random = options.random ?? Math.random;
  }

  /** The delay before the next attempt, ms; each call doubles the cap until maxMs. */
  next(): number {
    const cap = Math.min(this.options.maxMs, this.options.initialMs * 2 ** Math.min(this.attempt, 52));
    this.attempt += 1;
    return Math.round(cap / 2 + (this.random() * cap) / 2);
  }

  reset(): void {
    this.attempt = 0;
  }

  get attempts(): number {
    return this.attempt;
  }
}
