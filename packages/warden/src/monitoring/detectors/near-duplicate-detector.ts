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
/** Entries one band bucket holds at most. */
const MAX_BUCKET = 1024
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
  min_cluster: z.number().int().min(2).default(20),
  /** …sent with at least this many keys, or from this many applications. */
  min_keys: z.number().int().min(1).default(3),
  min_apps: z.number().int().min(1).default(2),
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
}

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
  const clusterOf: Array<Cluster | null> = new Array<Cluster | null>(capacity).fill(null)
  let tail = 0
  let size = 0
  const buckets = new Map<number, number[]>()
  const clusters = new Map<string, Cluster>()

  const bandsOf = (d: number, hi: number, lo: number): number[] => [
    d * 4 * 65536 + (hi >>> 16),
    (d * 4 + 1) * 65536 + (hi & 0xffff),
    (d * 4 + 2) * 65536 + (lo >>> 16),
    (d * 4 + 3) * 65536 + (lo & 0xffff),
  ]

  function removeOldest(): void {
    const p = tail
    for (const band of bandsOf(direction[p] as number, high[p] as number, low[p] as number)) {
      const list = buckets.get(band)
      if (list === undefined) continue
      const i = list.indexOf(p)
      if (i !== -1) list.splice(i, 1)
      if (list.length === 0) buckets.delete(band)
    }
    const cluster = clusterOf[p]
    if (cluster) {
      cluster.count -= 1
      bump(cluster.keys, keyIds[p] ?? null, -1)
      bump(cluster.apps, appIds[p] ?? null, -1)
      bump(cluster.orgs, orgIds[p] ?? null, -1)
      if (cluster.count <= 0) clusters.delete(cluster.id)
    }
    clusterOf[p] = null
    keyIds[p] = appIds[p] = orgIds[p] = null
    tail = (tail + 1) % capacity
    size -= 1
  }

  function nearest(d: number, hi: number, lo: number, bands: readonly number[]): number {
    let best = -1
    let bestDistance = options.max_distance + 1
    for (const band of bands) {
      const list = buckets.get(band)
      if (list === undefined) continue
      for (let i = list.length - 1, scanned = 0; i >= 0 && scanned < MAX_SCAN; i -= 1) {
        scanned += 1
        const p = list[i] as number
        if (direction[p] !== d) continue
        const distance =
          popcount(((high[p] as number) ^ hi) >>> 0) + popcount(((low[p] as number) ^ lo) >>> 0)
        if (distance < bestDistance) {
          bestDistance = distance
          best = p
        }
      }
    }
    return best
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
    const bands = bandsOf(d, hi, lo)
    const match = nearest(d, hi, lo, bands)
    const kind = DIRECTIONS[d] as Direction
    let cluster = match === -1 ? null : clusterOf[match]
    if (!cluster) {
      const id = `${kind}:${signature}`
      cluster = clusters.get(id) ?? null
      if (!cluster) {
        cluster = {
          id,
          direction: kind,
          count: 0,
          keys: new Map(),
          apps: new Map(),
          orgs: new Map(),
          first: event.at,
          alarm: { ...NO_ALARM },
          samples: [],
        }
        clusters.set(id, cluster)
      }
    }
    const p = (tail + size) % capacity
    high[p] = hi
    low[p] = lo
    at[p] = event.at
    direction[p] = d
    keyIds[p] = event.keyId
    appIds[p] = event.appId
    orgIds[p] = event.orgId
    clusterOf[p] = cluster
    size += 1
    for (const band of bands) {
      const list = buckets.get(band)
      if (list === undefined) buckets.set(band, [p])
      else {
        list.push(p)
        // Identical texts share every band: past this, the oldest stay in the ring unindexed.
        if (list.length > MAX_BUCKET) list.shift()
      }
    }
    cluster.count += 1
    bump(cluster.keys, event.keyId, 1)
    bump(cluster.apps, event.appId, 1)
    bump(cluster.orgs, event.orgId, 1)
    addSample(cluster.samples, event.requestId)

    if (
      cluster.count < options.min_cluster ||
      (cluster.keys.size < options.min_keys && cluster.apps.size < options.min_apps)
    ) {
      return null
    }
    const severity = cluster.count >= options.min_cluster * options.high_factor ? 'high' : 'medium'
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

export const nearDuplicateDetectorKind: DetectorKind<NearDuplicateOptions> = {
  kind: 'near_duplicate',
  options: nearDuplicateOptions,
  create: createNearDuplicateDetector,
}
