import { Redis } from 'ioredis'
import { windowStart, type Counter, type CounterBackend } from '../counter-backend.js'
import { PEEK, RESERVE, SETTLE, type RedisScript } from './redis-scripts.js'

export interface RedisCounterOptions {
  readonly url: string
  /** Prepended to every key, so one Redis can serve several gateways (or tests). */
  readonly prefix: string
  /** A command that has not answered by then fails (and the failure mode takes over). */
  readonly timeoutMs: number
  /** How long a concurrency slot is held if its release never comes (a replica died). */
  readonly slotLeaseMs: number
  /** Told each time the connection is lost (with the error) and when it is back (null). */
  readonly onConnection?: (error: Error | null) => void
}

/**
 * Counters in Redis, shared by every replica: one script call per reservation and one per
 * settlement, each atomic. While Redis is away, commands fail at once (no offline queue) and
 * the client reconnects on its own.
 */
export function createRedisCounter(options: RedisCounterOptions): CounterBackend {
  const { prefix } = options
  const client = new Redis(options.url, {
    enableOfflineQueue: false,
    // Commands issued in one turn of the event loop go out in one write: under load, many
    // requests' reservations share a system call.
    enableAutoPipelining: true,
    maxRetriesPerRequest: 0,
    commandTimeout: options.timeoutMs,
    connectTimeout: Math.max(options.timeoutMs, 1_000),
    retryStrategy: (times) => Math.min(times * 100, 1_000),
    lazyConnect: false,
  })
  client.on('error', () => {
    // Reported through `onConnection` and the failing commands; ioredis needs a listener.
  })
  client.on('ready', () => options.onConnection?.(null))
  let closing = false
  client.on('close', () => {
    if (!closing) options.onConnection?.(new Error('the connection to Redis closed'))
  })
  // Until the first connection is made, calls wait for it (at most the connect timeout);
  // after that, a lost connection fails calls at once and the failure mode decides.
  let firstConnection: Promise<void> | null = new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer)
      client.off('ready', done)
      firstConnection = null
      resolve()
    }
    const timer = setTimeout(done, Math.max(options.timeoutMs, 1_000))
    client.once('ready', done)
  })

  async function run(script: RedisScript, keys: string[], args: Array<string | number>) {
    if (firstConnection !== null) await firstConnection
    try {
      return await client.evalsha(script.sha, keys.length, ...keys, ...args)
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error
      return client.eval(script.source, keys.length, ...keys, ...args)
    }
  }

  const keyAt = (counter: Counter, at: number): string =>
    counter.windowMs === 0
      ? `${prefix}${counter.key}`
      : `${prefix}${counter.key}:${windowStart(counter, at)}`

  return {
    name: 'redis',
    // A settlement waits for the next reservation (or this long), so that one write to Redis
    // carries both: at one connection, a system call per request instead of two. A freed slot
    // shows on other replicas this much later.
    settleDelayMs: 20,
    async reserve(counters, amounts, at, lease) {
      const keys = new Array<string>(counters.length)
      const args: Array<string | number> = [at, lease, at + options.slotLeaseMs]
      counters.forEach((counter, i) => {
        keys[i] = keyAt(counter, at)
        args.push(counter.windowMs, counter.limit, amounts[i] as number)
      })
      const reply = (await run(RESERVE, keys, args)) as number[]
      return { ok: reply[0] === 1, before: reply.slice(1) }
    },

    async settle(inputs) {
      const keys: string[] = []
      const args: Array<string | number> = []
      for (const { counters, deltas, reservedAt, at, lease } of inputs) {
        counters.forEach((counter, i) => {
          const delta = deltas[i] as number
          if (counter.windowMs === 0) {
            keys.push(keyAt(counter, at))
            args.push('s', 0, lease)
          } else if (delta > 0) {
            keys.push(keyAt(counter, at))
            args.push('c', delta, windowStart(counter, at) + counter.windowMs - at + 1_000)
          } else if (delta < 0) {
            keys.push(keyAt(counter, reservedAt))
            args.push('r', -delta, 0)
          }
        })
      }
      if (keys.length > 0) await run(SETTLE, keys, args)
    },

    async peek(counters, at) {
      const keys = counters.map((counter) => keyAt(counter, at))
      const args = [at, ...counters.map((counter) => counter.windowMs)]
      return (await run(PEEK, keys, args)) as number[]
    },

    async close() {
      closing = true
      try {
        await client.quit()
      } catch {
        client.disconnect()
      }
    },
  }
}
