import type { AnonymousRefusal, AuditSink } from '../domain/index.js'

export interface RefusalRollupOptions {
  readonly audit: AuditSink
  /** How long one audit entry counts for: refusals are grouped in aligned windows this long. */
  readonly windowMs: number
  /** Distinct sources kept per window; further ones are counted together under `*`. */
  readonly maxSources: number
  readonly now: () => number
}

/**
 * Anonymous refusals rolled up into one audit entry per source, code and window, with a count.
 * A flood of bad keys then costs the log one line per address a minute instead of one per
 * request, and memory stays bounded however many addresses take part.
 */
export interface RefusalRollup {
  /** Counts one refusal; never blocks, never throws. */
  refused(refusal: AnonymousRefusal): void
  /** Writes every group of windows that have ended (and, with `all`, the current one too). */
  flush(all?: boolean): void
  /** Writes what is counted and stops the timer. */
  close(): void
}

/** The sources refused beyond `maxSources` in one window, counted as one. */
export const OTHER_SOURCES = '*'

interface Group {
  readonly source: string
  readonly code: string
  count: number
  firstAt: number
  lastAt: number
  readonly endpoints: Map<string, number>
}

export function createRefusalRollup(options: RefusalRollupOptions): RefusalRollup {
  const { audit, windowMs, maxSources, now } = options
  let windowStart = Number.NaN
  let groups = new Map<string, Group>()
  let sources = new Set<string>()

  const write = (start: number, written: Map<string, Group>) => {
    for (const group of written.values()) {
      audit.append({
        actor: 'anonymous',
        action: 'request.refused',
        target: null,
        details: {
          code: group.code,
          source: group.source,
          count: group.count,
          endpoints: Object.fromEntries(group.endpoints),
          window_start: new Date(start).toISOString(),
          window_end: new Date(start + windowMs).toISOString(),
          first_at: new Date(group.firstAt).toISOString(),
          last_at: new Date(group.lastAt).toISOString(),
        },
      })
    }
  }

  const rollOver = (at: number, all: boolean) => {
    const start = at - (at % windowMs)
    if (start === windowStart && !all) return
    if (groups.size > 0) write(windowStart, groups)
    windowStart = start
    groups = new Map()
    sources = new Set()
  }

  const timer = setInterval(() => rollOver(now(), false), windowMs)
  timer.unref()

  return {
    refused({ source, code, endpoint }) {
      const at = now()
      rollOver(at, false)
      const counted = sources.has(source) || sources.size < maxSources ? source : OTHER_SOURCES
      sources.add(counted)
      const key = `${counted}\u0000${code}`
      let group = groups.get(key)
      if (!group) {
        group = { source: counted, code, count: 0, firstAt: at, lastAt: at, endpoints: new Map() }
        groups.set(key, group)
      }
      group.count += 1
      group.lastAt = at
      group.endpoints.set(endpoint, (group.endpoints.get(endpoint) ?? 0) + 1)
    },
    flush(all = false) {
      rollOver(now(), all)
    },
    close() {
      clearInterval(timer)
      rollOver(now(), true)
    },
  }
}
