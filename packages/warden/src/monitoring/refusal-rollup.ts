import type { AuditSink } from '../domain/index.js'

/** One refusal of a caller nobody could identify: a missing, malformed or unknown key. */
export interface AnonymousRefusal {
  /** Where it came from: the client address, IPv6 folded to its /64 ({@link sourceOf}). */
  readonly source: string
  /** The error code it was refused with (`invalid_api_key`). */
  readonly code: string
  /** The endpoint it was sent to (`chat`). */
  readonly endpoint: string
}

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

/** The 16-bit groups of an IPv6 address, or null when it is not one. */
function ipv6Groups(address: string): number[] | null {
  const [head = '', tail, extra] = address.split('::')
  if (extra !== undefined) return null
  const parse = (part: string) => (part === '' ? [] : part.split(':'))
  const left = parse(head)
  const right = tail === undefined ? [] : parse(tail)
  const missing = 8 - left.length - right.length
  if (tail === undefined ? missing !== 0 : missing < 1) return null
  const all = [...left, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...right]
  const groups = all.map((g) => (/^[0-9a-f]{1,4}$/i.test(g) ? Number.parseInt(g, 16) : Number.NaN))
  return groups.some(Number.isNaN) ? null : groups
}

/**
 * The source a client address counts as: an IPv4 address as it is (an IPv4-mapped IPv6 one
 * too), an IPv6 address as its /64, since one subscriber usually holds a whole /64 and can
 * rotate through it at will.
 */
export function sourceOf(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address)
  if (mapped?.[1]) return mapped[1]
  if (!address.includes(':')) return address
  const groups = ipv6Groups(address.split('%')[0] ?? '')
  if (!groups) return address
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`
}
