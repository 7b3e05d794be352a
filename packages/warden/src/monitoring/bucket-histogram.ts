/**
 * A Prometheus histogram series kept as plain numbers: an observation is a bucket search and
 * three additions, with no label hashing and no allocation (prom-client's own histogram hashes
 * its labels on every observation, about 0.3 µs). It is written out in the text format by
 * `histogramText`, since prom-client has no way to be handed counts it did not observe itself.
 */
export class BucketHistogram {
  /** Observations at or below each bound (not cumulative: summed when written). */
  readonly counts: Float64Array
  sum = 0
  count = 0

  constructor(
    /** Upper bounds, ascending; the `+Inf` bucket is `count`. */
    readonly bounds: readonly number[],
    /** The series' labels, without `le`. */
    readonly labels: Readonly<Record<string, string>>,
  ) {
    this.counts = new Float64Array(bounds.length)
  }

  /** Adds one observation (seconds, for a duration). */
  observe(value: number): void {
    const { bounds } = this
    for (let i = 0; i < bounds.length; i += 1) {
      if (value <= (bounds[i] as number)) {
        this.counts[i] = (this.counts[i] ?? 0) + 1
        break
      }
    }
    this.sum += value
    this.count += 1
  }
}

/** A label value as the text format escapes it: backslash, double quote and newline. */
function escapeLabel(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`))
}

function labelText(labels: Readonly<Record<string, string>>, le?: string): string {
  const parts = Object.entries(labels).map(([name, value]) => `${name}="${escapeLabel(value)}"`)
  if (le !== undefined) parts.push(`le="${le}"`)
  return parts.length === 0 ? '' : `{${parts.join(',')}}`
}

/** One histogram metric in the Prometheus text format (0.0.4): HELP, TYPE, then each series. */
export function histogramText(
  name: string,
  help: string,
  series: Iterable<BucketHistogram>,
): string {
  const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} histogram`]
  for (const h of series) {
    let cumulative = 0
    h.bounds.forEach((bound, i) => {
      cumulative += h.counts[i] as number
      lines.push(`${name}_bucket${labelText(h.labels, String(bound))} ${cumulative}`)
    })
    lines.push(`${name}_bucket${labelText(h.labels, '+Inf')} ${h.count}`)
    lines.push(`${name}_sum${labelText(h.labels)} ${h.sum}`)
    lines.push(`${name}_count${labelText(h.labels)} ${h.count}`)
  }
  return `${lines.join('\n')}\n`
}
