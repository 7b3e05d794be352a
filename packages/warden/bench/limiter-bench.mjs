// The limiter's own cost per request, apart from the gateway: one reservation and its
// settlement (a request's whole use of the limits), in a loop, on the memory backend and on
// Redis. Imports the built modules from dist/.
import { randomBytes } from 'node:crypto'
import { connect } from 'node:net'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { pathToFileURL } from 'node:url'

/** A key of the default policy's production tier, with an override on the key, like a real one. */
function fixtures() {
  const tier = {
    id: 'production',
    title: 'Production',
    text: '',
    default: false,
    limits: {
      requests_per_minute: 1e9,
      tokens_per_minute: 1e12,
      tokens_per_day: 1e12,
      concurrent_requests: 1e6,
    },
    models: ['*'],
  }
  const principal = {
    keyId: `key_bench${randomBytes(4).toString('hex')}`,
    keyPrefix: 'wdn_bench',
    appId: 'app_bench',
    orgId: 'org_bench',
    allowedModels: null,
    tier: 'production',
    appStatus: 'active',
    acceptedPolicyVersion: null,
    limits: { key: { limits: { requests_per_minute: 1e9 } }, app: null, org: null },
  }
  return { tier, principal }
}

/** True when a Redis server answers PING at `url`. */
export function redisAnswers(url) {
  const { hostname, port } = new URL(url)
  return new Promise((resolve) => {
    const socket = connect(Number(port || 6379), hostname || '127.0.0.1')
    socket.setTimeout(500)
    socket.once('connect', () => socket.write('PING\r\n'))
    socket.once('data', (data) => {
      socket.destroy()
      resolve(data.toString().startsWith('+PONG'))
    })
    socket.once('error', () => resolve(false))
    socket.once('timeout', () => {
      socket.destroy()
      resolve(false)
    })
  })
}

async function loop(limiter, iterations, latencies) {
  const { tier, principal } = fixtures()
  let lease = 0
  const started = performance.now()
  for (let i = 0; i < iterations; i++) {
    const t = latencies ? performance.now() : 0
    const held = await limiter.reserve({
      principal,
      tier,
      model: 'stub-model',
      promptTokens: 20,
      maxTokens: 100,
      lease: `bench_${(lease += 1)}`,
    })
    if (latencies) latencies.push(performance.now() - t)
    held.settle(30)
  }
  return performance.now() - started
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]

/** Figures for one backend: µs per request (reserve + settle) and the reservation's latency. */
async function measureBackend(createLimiter, backend, iterations) {
  const limiter = createLimiter({
    backend,
    now: Date.now,
    defaultMaxTokens: 1024,
    onSettleError: (error) => {
      throw error
    },
  })
  await loop(limiter, Math.min(iterations, 2_000), null)
  const latencies = []
  const ms = await loop(limiter, iterations, latencies)
  latencies.sort((a, b) => a - b)
  await limiter.close()
  return {
    iterations,
    usPerRequest: (ms * 1000) / iterations,
    reserveP50Ms: percentile(latencies, 0.5),
    reserveP99Ms: percentile(latencies, 0.99),
  }
}

/** Runs the limiter micro-bench; `redisUrl` null leaves Redis out. */
export async function benchLimiter({ packageDir, redisUrl, log }) {
  const dist = (file) => pathToFileURL(path.join(packageDir, 'dist', file)).href
  const { createLimiter, createMemoryCounter } = await import(dist('limits/index.js'))
  log('limiter micro-bench: reserve + settle per request, one at a time')
  const memory = await measureBackend(createLimiter, createMemoryCounter(), 200_000)
  log(`  memory: ${memory.usPerRequest.toFixed(2)} µs per request`)
  let redis = null
  if (redisUrl) {
    const { createRedisCounter } = await import(dist('limits/counters/redis-counter.js'))
    const backend = createRedisCounter({
      url: redisUrl,
      prefix: `warden-bench:${randomBytes(6).toString('hex')}:`,
      timeoutMs: 1_000,
      slotLeaseMs: 600_000,
    })
    redis = await measureBackend(createLimiter, backend, 5_000)
    log(
      `  redis:  ${redis.usPerRequest.toFixed(1)} µs per request, reservation p50 ${redis.reserveP50Ms.toFixed(3)} ms`,
    )
  }
  return { memory, redis }
}

/**
 * The limits' goals: with the memory backend, limits on cost at most 10% of the throughput
 * (gateway vs the same build with limits off, 50 connections, non-streaming); with Redis,
 * under 0.5 ms of p50 at one connection (the Redis-backed build vs limits off).
 */
export function evaluateLimits({ nonStream, oneConnection, micro }) {
  const early = nonStream?.paired?.['limits-off'] ?? null
  const late = nonStream?.paired?.['limits-on/limits-off'] ?? null
  // With a limits-on Warden started before and one after the limits-off one, the geometric
  // mean of the two ratios cancels the penalty of being started first.
  const both = (field) =>
    early?.[field] != null && late?.[field] != null
      ? Math.sqrt(early[field] * late[field])
      : (early?.[field] ?? null)
  const rpsRatio =
    both('requestsPerSecond') ??
    (nonStream?.gateway && nonStream['limits-off']
      ? nonStream.gateway.requestsPerSecond / nonStream['limits-off'].requestsPerSecond
      : null)
  const p50 = (name) => oneConnection?.[name]?.latency?.p50 ?? null
  const redisAdded =
    p50('redis') === null || p50('limits-off') === null ? null : p50('redis') - p50('limits-off')
  const memoryAdded =
    p50('gateway') === null || p50('limits-off') === null
      ? null
      : p50('gateway') - p50('limits-off')
  return {
    micro,
    rpsLimitsOnOverOff: rpsRatio,
    rpsRounds: early?.requestsPerSecondRounds ?? null,
    rpsRoundsLate: late?.requestsPerSecondRounds ?? null,
    cpuLimitsOnOverOff: both('cpuPerRequest'),
    p50AddedMemoryMs: memoryAdded,
    p50AddedRedisMs: redisAdded,
    goals: [
      goal('req/s limits on (memory) vs off, 50 conn', rpsRatio, 0.9, '>=', 'x'),
      goal('p50 added by limits on Redis, 1 connection', redisAdded, 0.5, '<=', 'ms'),
    ],
  }
}

function goal(name, value, limit, comparison, unit) {
  const pass = value === null ? null : comparison === '<=' ? value <= limit : value >= limit
  return { name, value, limit, comparison, unit, floor: null, pass }
}

/** The limits' section of the report. */
export function formatLimits(limits) {
  const fixed = (v, digits) => (v === null || v === undefined ? '-' : v.toFixed(digits))
  const { micro } = limits
  return [
    'Limits',
    `  limiter alone, reserve + settle: memory ${fixed(micro.memory.usPerRequest, 2)} µs/req` +
      (micro.redis
        ? `; Redis ${fixed(micro.redis.usPerRequest, 1)} µs/req (reservation p50 ${fixed(micro.redis.reserveP50Ms, 3)} ms, p99 ${fixed(micro.redis.reserveP99Ms, 3)} ms)`
        : '; Redis not reachable, not measured'),
    `  gateway req/s, limits on (memory) / off: x${fixed(limits.rpsLimitsOnOverOff, 3)}` +
      (limits.rpsRounds ? ` (rounds ${limits.rpsRounds.map((r) => fixed(r, 2)).join(' ')}` : '') +
      (limits.rpsRoundsLate
        ? `; started after limits off: ${limits.rpsRoundsLate.map((r) => fixed(r, 2)).join(' ')})`
        : limits.rpsRounds
          ? ')'
          : '') +
      `; CPU per request on / off: x${fixed(limits.cpuLimitsOnOverOff, 3)}`,
    `  p50 added at 1 connection over limits off: memory ${fixed(limits.p50AddedMemoryMs, 3)} ms, Redis ${fixed(limits.p50AddedRedisMs, 3)} ms`,
  ].join('\n')
}
