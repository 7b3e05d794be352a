/**
 * Platt scaling: fits `a` and `b` so that the logistic of `a * logit + b` is a calibrated score,
 * with positives and negatives weighted equally (so 0.5 is where a positive and a negative are
 * equally likely, whatever the share of positives in the data used). Targets are Platt's smoothed
 * ones (`(n+1)/(n+2)` and `1/(n+2)`), so separable data cannot drive the slope to infinity.
 */
export function fitPlatt(
  logits: readonly number[],
  labels: readonly (0 | 1)[],
): { a: number; b: number } {
  const positives = labels.filter((l) => l === 1).length
  const negatives = labels.length - positives
  if (positives === 0 || negatives === 0) return { a: 1, b: 0 }
  const weightOf = (label: 0 | 1): number => (label === 1 ? 0.5 / positives : 0.5 / negatives)
  const high = (positives + 1) / (positives + 2)
  const low = 1 / (negatives + 2)
  const targetOf = (label: 0 | 1): number => (label === 1 ? high : low)
  let a = 1
  let b = 0
  // Newton's method on the weighted log loss; a handful of steps converge for two parameters.
  for (let iteration = 0; iteration < 50; iteration++) {
    let ga = 0
    let gb = 0
    let haa = 1e-9
    let hab = 0
    let hbb = 1e-9
    logits.forEach((z, i) => {
      const label = labels[i] as 0 | 1
      const w = weightOf(label)
      const p = 1 / (1 + Math.exp(-(a * z + b)))
      const d = w * (p - targetOf(label))
      const h = w * p * (1 - p)
      ga += d * z
      gb += d
      haa += h * z * z
      hab += h * z
      hbb += h
    })
    const det = haa * hbb - hab * hab
    if (det <= 0) break
    const da = (hbb * ga - hab * gb) / det
    const db = (haa * gb - hab * ga) / det
    a -= da
    b -= db
    if (Math.abs(da) + Math.abs(db) < 1e-9) break
  }
  return { a, b }
}
