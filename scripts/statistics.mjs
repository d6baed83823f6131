// Medians and percentiles of the benchmarks' samples.

export const median = (xs) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

export const percentile = (xs, p) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};

/** P(X ≤ k) for X ~ Binomial(n, 1/2). */
function binomialHalfCdf(n, k) {
  let term = 0.5 ** n; // P(X = 0)
  let total = 0;
  for (let i = 0; i <= k; i++) {
    total += term;
    term = (term * (n - i)) / (i + 1);
  }
  return total;
}

/**
 * The median of `xs` with a distribution-free interval for it: the order statistics
 * [x(k), x(n+1-k)] with the largest k whose coverage, 1 − 2·P(Binomial(n, ½) ≤ k − 1), is still at
 * least `confidence` (or k = 1, whatever its coverage, for very few samples). It assumes only that
 * the samples are independent draws, so it says how far a benchmark's rounds pin their median down.
 */
export function medianInterval(xs, confidence = 0.95) {
  const sorted = [...xs].sort((a, b) => a - b);
  const n = sorted.length;
  let k = 1;
  while (k + 1 <= n / 2 && 1 - 2 * binomialHalfCdf(n, k) >= confidence) k++;
  return { median: median(sorted), low: sorted[k - 1], high: sorted[n - k], coverage: 1 - 2 * binomialHalfCdf(n, k - 1) };
}
