import { z } from 'zod'
import type { UsageEvent } from '../../domain/index.js'
import {
  addSample,
  alarmDue,
  NO_ALARM,
  type AlarmState,
  type Detector,
  type DetectorKind,
  type IncidentCandidate,
} from './detector.js'

const MINUTE_MS = 60_000
/** Entries one band bucket is searched for at most (the newest), so a hot bucket stays cheap. */
const MAX_SCAN = 256
/** Bands of 16 bits a 64-bit signature is cut into. */
const BANDS = 4
const DIRECTIONS = ['prompt', 'completion'] as const
type Direction = (typeof DIRECTIONS)[number]

export const nearDuplicateOptions = z.strictObject({
  /** Which signatures to cluster: the newest prompt text's, the answer's, or both. */
  directions: z.array(z.enum(DIRECTIONS)).min(1).default(['prompt', 'completion']),
  window_minutes: z
    .number()
    .int()
    .positive()
    .max(24 * 60)
    .default(10),
  /** Bits two 64-bit SimHashes may differ in and still be near-identical. */
  max_distance: z.number().int().min(0).max(20).default(12),
  /** Requests in one cluster within the window that make a burst… */
  min_cluster: z.number().int().min(2).default(15),
  /** …sent with at least this many keys, or from this many applications. */
  min_keys: z.number().int().min(1).default(3),
  min_apps: z.number().int().min(1).default(3),
  /** This many times `min_cluster`, or more, is `high`. */
  high_factor: z.number().min(1).default(5),
  /** Signatures held at most (the oldest go first): the detector's whole memory. */
  max_entries: z.number().int().positive().max(1_000_000).default(100_000),
  /** Signatures never clustered (16 hex digits): stock answers every application gets. */
  ignore: z
    .array(z.string().regex(/^[0-9a-f]{16}$/))
    .max(1000)
    .default([]),
})
export type NearDuplicateOptions = z.infer<typeof nearDuplicateOptions>

interface Cluster {
  readonly id: string
  readonly direction: Direction
  count: number
  readonly keys: Map<string, number>
  readonly apps: Map<string, number>
  readonly orgs: Map<string, number>
  first: number
  readonly alarm: AlarmState
  samples: string[]
  /** The cluster this one was merged into, if it was: see {@link rootOf}. */
  into: Cluster | null
}

/** Where a cluster's entries now count: itself, or the cluster it was merged into, in turn. */
function rootOf(cluster: Cluster): Cluster {
  let root = cluster
  while (root.into !== null) root = root.into
  // Shorten the path for the next look-up.
  for (let c = cluster; c.into !== null && c.into !== root;) {
    const up: Cluster = c.into
    c.into = root
    c = up
  }
  return root
}

/** Most clusters an entry is found near and merges: more is a sign of a band gone hot. */
const MAX_MERGE = 8

function popcount(v: number): number {
  v -= (v >>> 1) & 0x55555555
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333)
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff
}

function bump(map: Map<string, number>, id: string | null, by: number): void {
  if (id === null) return
  const next = (map.get(id) ?? 0) + by
  if (next <= 0) map.delete(id)
  else map.set(id, next)
}

/**
 * Near-duplicate bursts: many near-identical prompts or answers (64-bit SimHashes a few bits
 * apart) within a window, sent with several keys or from several applications: spam,
 * astroturfing, one campaign spread over accounts. Signatures are found by locality-sensitive
 * banding (four 16-bit bands: a near neighbour shares one with a good chance, and a cluster of
 * twenty almost surely links up) and checked by their distance.
 *
 * Memory is allocated once, in typed arrays: a ring of the window's signatures and, per band
 * value, a doubly linked list of the entries that have it (newest first), so adding and expiring
 * an entry cost a few array writes. A cluster object exists only once two entries are near.
 */
export function createNearDuplicateDetector(options: NearDuplicateOptions): Detector {
  const windowMs = options.window_minutes * MINUTE_MS
  const capacity = options.max_entries
  const ignored = new Set(options.ignore)
  // A ring of entries in arrival order: the oldest is at `tail`.
  const high = new Uint32Array(capacity)
  const low = new Uint32Array(capacity)
  const at = new Float64Array(capacity)
  const direction = new Uint8Array(capacity)
  const keyIds: Array<string | null> = new Array<string | null>(capacity).fill(null)
  const appIds: Array<string | null> = new Array<string | null>(capacity).fill(null)
  const orgIds: Array<string | null> = new Array<string | null>(capacity).fill(null)
  const requestIds: Array<string | null> = new Array<string | null>(capacity).fill(null)
  const clusterOf: Array<Cluster | null> = new Array<Cluster | null>(capacity).fill(null)
  let tail = 0
  let size = 0
  // Bucket b (band value and direction, 8 × 65,536 of them) starts at heads[b]; entry p's link
  // in its band k is next/prev[p * 4 + k]. -1 ends a list.
  const heads = new Int32Array(2 * BANDS * 65_536).fill(-1)
  const next = new Int32Array(capacity * BANDS).fill(-1)
  const prev = new Int32Array(capacity * BANDS).fill(-1)
  const bucket = new Int32Array(capacity * BANDS)

  const bucketOf = (d: number, k: number, hi: number, lo: number): number =>
    (d * BANDS + k) * 65_536 +
    (k === 0 ? hi >>> 16 : k === 1 ? hi & 0xffff : k === 2 ? lo >>> 16 : lo & 0xffff)

  function unlink(p: number): void {
    for (let k = 0; k < BANDS; k += 1) {
      const link = p * BANDS + k
      const before = prev[link] as number
      const after = next[link] as number
      if (before === -1) heads[bucket[link] as number] = after
      else next[before * BANDS + k] = after
      if (after !== -1) prev[after * BANDS + k] = before
    }
  }

  function link(p: number, d: number, hi: number, lo: number): void {
    for (let k = 0; k < BANDS; k += 1) {
      const b = bucketOf(d, k, hi, lo)
      const slot = p * BANDS + k
      const first = heads[b] as number
      bucket[slot] = b
      prev[slot] = -1
      next[slot] = first
      if (first !== -1) prev[first * BANDS + k] = p
      heads[b] = p
    }
  }

  function leave(cluster: Cluster, p: number): void {
    cluster.count -= 1
    bump(cluster.keys, keyIds[p] ?? null, -1)
    bump(cluster.apps, appIds[p] ?? null, -1)
    bump(cluster.orgs, orgIds[p] ?? null, -1)
  }

  function join(cluster: Cluster, p: number): void {
    cluster.count += 1
    bump(cluster.keys, keyIds[p] ?? null, 1)
    bump(cluster.apps, appIds[p] ?? null, 1)
    bump(cluster.orgs, orgIds[p] ?? null, 1)
    addSample(cluster.samples, requestIds[p] ?? '')
    clusterOf[p] = cluster
  }

  function removeOldest(): void {
    const p = tail
    unlink(p)
    const cluster = clusterOf[p]
    if (cluster) leave(rootOf(cluster), p)
    clusterOf[p] = null
    keyIds[p] = appIds[p] = orgIds[p] = requestIds[p] = null
    tail = (tail + 1) % capacity
    size -= 1
  }

  /** The clusters of the entries found near the newest signature (see {@link nearest}). */
  const nearClusters: Cluster[] = []

  /**
   * The nearest entry within `max_distance` of the signature, or -1; and in `nearClusters`, the
   * distinct clusters of every entry within it. A campaign whose copies differ in a few words
   * can start as two clusters that no band links; the copy near both joins them.
   */
  function nearest(d: number, hi: number, lo: number): number {
    let best = -1
    let bestDistance = options.max_distance + 1
    nearClusters.length = 0
    // The cluster of the last near entry: in a busy bucket most entries share one.
    let seen: Cluster | null = null
    for (let k = 0; k < BANDS; k += 1) {
      let p = heads[bucketOf(d, k, hi, lo)] as number
      for (let scanned = 0; p !== -1 && scanned < MAX_SCAN; scanned += 1) {
        const distance =
          popcount(((high[p] as number) ^ hi) >>> 0) + popcount(((low[p] as number) ^ lo) >>> 0)
        if (distance <= options.max_distance) {
          const cluster = clusterOf[p]
          if (cluster && cluster !== seen && nearClusters.length < MAX_MERGE) {
            seen = cluster
            const root = rootOf(cluster)
            if (!nearClusters.includes(root)) nearClusters.push(root)
          }
          if (distance < bestDistance) {
            bestDistance = distance
            best = p
            // The same text again: whatever is near it was near that entry when it came, and
            // merged then. Gateways see one text many times; scanning on costs every time.
            if (distance === 0) return best
          }
        }
        p = next[p * BANDS + k] as number
      }
    }
    return best
  }

  /** Moves `from`'s counts into `to`; `from`'s entries count in `to` from then on. */
  function merge(from: Cluster, to: Cluster): void {
    to.count += from.count
    for (const [id, n] of from.keys) bump(to.keys, id, n)
    for (const [id, n] of from.apps) bump(to.apps, id, n)
    for (const [id, n] of from.orgs) bump(to.orgs, id, n)
    to.first = Math.min(to.first, from.first)
    for (const id of from.samples) addSample(to.samples, id)
    if (from.alarm.rank > to.alarm.rank) Object.assign(to.alarm, from.alarm)
    from.into = to
    from.keys.clear()
    from.apps.clear()
    from.orgs.clear()
    from.samples = []
  }

  function add(
    d: number,
    signature: string,
    event: Readonly<UsageEvent>,
  ): IncidentCandidate | null {
    if (signature.length !== 16 || ignored.has(signature)) return null
    const hi = Number.parseInt(signature.slice(0, 8), 16)
    const lo = Number.parseInt(signature.slice(8), 16)
    if (Number.isNaN(hi) || Number.isNaN(lo)) return null
    while (size > 0 && (at[tail] as number) < event.at - windowMs) removeOldest()
    if (size === capacity) removeOldest()
    const match = nearest(d, hi, lo)
    const p = (tail + size) % capacity
    high[p] = hi
    low[p] = lo
    at[p] = event.at
    direction[p] = d
    keyIds[p] = event.keyId
    appIds[p] = event.appId
    orgIds[p] = event.orgId
    requestIds[p] = event.requestId
    clusterOf[p] = null
    size += 1
    link(p, d, hi, lo)
    if (match === -1) return null
    const kind = DIRECTIONS[d] as Direction
    let cluster = nearClusters.length > 0 ? largest(nearClusters) : null
    if (!cluster) {
      // The first pair: the cluster is named after its first signature.
      cluster = {
        id: `${kind}:${(high[match] as number).toString(16).padStart(8, '0')}${(low[match] as number).toString(16).padStart(8, '0')}`,
        direction: kind,
        count: 0,
        keys: new Map(),
        apps: new Map(),
        orgs: new Map(),
        first: at[match] as number,
        alarm: { ...NO_ALARM },
        samples: [],
        into: null,
      }
      join(cluster, match)
    }
    // The largest cluster found near takes in the others (its id, and any open incident on it,
    // stay); then the new entry.
    for (const other of nearClusters) if (other !== cluster) merge(other, cluster)
    // The nearest entry comes along when it was alone, as it would have made a pair with this one.
    if (!clusterOf[match]) join(cluster, match)
    join(cluster, p)

    if (
      cluster.count < options.min_cluster ||
      (cluster.keys.size < options.min_keys && cluster.apps.size < options.min_apps)
    ) {
      return null
    }
    const counted = cluster.count - excessOfOne(cluster.keys)
    if (counted < options.min_cluster) return null
    const severity = counted >= options.min_cluster * options.high_factor ? 'high' : 'medium'
    if (!alarmDue(cluster.alarm, event.at, severity)) return null
    const top = (map: ReadonlyMap<string, number>) =>
      [...map.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 20)
        .map(([id, count]) => ({ id, count }))
    const onlyOrg = cluster.orgs.size === 1 ? ([...cluster.orgs.keys()][0] ?? null) : null
    const onlyApp = cluster.apps.size === 1 ? ([...cluster.apps.keys()][0] ?? null) : null
    return {
      detector: 'near_duplicate',
      subject: { kind: 'cluster', id: cluster.id },
      orgId: onlyOrg,
      appId: onlyApp,
      keyId: null,
      severity,
      summary: `${cluster.count} near-identical ${kind === 'prompt' ? 'prompts' : 'answers'} in ${options.window_minutes} minutes from ${cluster.keys.size} keys of ${cluster.apps.size} applications.`,
      evidence: {
        counts: {
          requests: cluster.count,
          keys: cluster.keys.size,
          applications: cluster.apps.size,
          organizations: cluster.orgs.size,
        },
        window: { from: Math.max(cluster.first, event.at - windowMs), to: event.at },
        sampleRequestIds: [...cluster.samples],
        details: { direction: kind, keys: top(cluster.keys), applications: top(cluster.apps) },
      },
      at: event.at,
    }
  }

  return {
    id: 'near_duplicate',
    observe(event) {
      const out: IncidentCandidate[] = []
      for (const kind of options.directions) {
        const signature = kind === 'prompt' ? event.promptSignature : event.completionSignature
        if (signature === null) continue
        const found = add(kind === 'prompt' ? 0 : 1, signature, event)
        if (found) out.push(found)
      }
      return out
    },
    size: () => size,
  }
}

/**
 * How many more entries the busiest key has than the next: those do not make a burst across
 * keys. One key sending hundreds of templated prompts a minute (a volume spike, a nightly job)
 * gathers the few look-alikes other keys send into its cluster, and that is one key's business,
 * not a campaign; a campaign spreads its copies over its keys.
 */
function excessOfOne(keys: ReadonlyMap<string, number>): number {
  let top = 0
  let second = 0
  for (const n of keys.values()) {
    if (n > top) {
      second = top
      top = n
    } else if (n > second) second = n
  }
  return top - second
}

/** The cluster with the most entries; the first of them on a tie. */
function largest(clusters: readonly Cluster[]): Cluster {
  let found = clusters[0] as Cluster
  for (const c of clusters) if (c.count > found.count) found = c
  return found
}

export const nearDuplicateDetectorKind: DetectorKind<NearDuplicateOptions> = {
  kind: 'near_duplicate',
  options: nearDuplicateOptions,
  create: createNearDuplicateDetector,
}
