// A closed-loop load generator: N workers, each sending its next request as soon as the last
// one ends, over one keep-alive node:http Agent with N sockets. It times every request with
// process.hrtime.bigint() until the first body byte (TTFB) and until the end, so sub-ms
// figures are real (autocannon records whole milliseconds and no TTFB).
import http from 'node:http'

const DONE = Buffer.from('[DONE]')
// The Responses API has no [DONE]: its stream ends with this event.
const RESPONSE_DONE = Buffer.from('response.completed')

/** Nearest-rank percentiles of samples in ms; null fields when there are none. */
export function summarize(samples) {
  if (samples.length === 0) return { p50: null, p90: null, p99: null, max: null, mean: null }
  const sorted = Float64Array.from(samples).sort()
  const at = (p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]
  let sum = 0
  for (const value of sorted) sum += value
  return {
    p50: at(50),
    p90: at(90),
    p99: at(99),
    max: sorted[sorted.length - 1],
    mean: sum / sorted.length,
  }
}

/**
 * A load against one endpoint. `run` may be called several times (warm-up, then measure);
 * the sockets stay open between runs. A response counts as an error when its status is not
 * 2xx, when the socket fails, or, for a stream, when it does not end with `data: [DONE]`.
 */
export function createLoad({ url, headers = {}, body, connections, stream = false }) {
  const done = url.endsWith('/responses') ? RESPONSE_DONE : DONE
  const target = new URL(url)
  const agent = new http.Agent({
    keepAlive: true,
    maxSockets: connections,
    maxFreeSockets: connections,
  })
  const payload = Buffer.from(JSON.stringify(body))
  const options = {
    agent,
    host: target.hostname,
    port: target.port,
    path: target.pathname + target.search,
    method: 'POST',
    headers: {
      ...headers,
      'content-type': 'application/json',
      'content-length': payload.length,
    },
  }

  function send() {
    return new Promise((resolve) => {
      const started = process.hrtime.bigint()
      const req = http.request(options, (res) => {
        let first = 0n
        let last = null
        res.on('data', (chunk) => {
          if (first === 0n) first = process.hrtime.bigint()
          last = chunk
        })
        res.on('end', () => {
          const ended = process.hrtime.bigint()
          const status = res.statusCode ?? 0
          const complete = !stream || (last !== null && last.includes(done))
          resolve({
            status,
            ok: status >= 200 && status < 300 && complete,
            incomplete: !complete,
            ttfbMs: Number((first || ended) - started) / 1e6,
            totalMs: Number(ended - started) / 1e6,
            sample: status >= 300 && last ? last.toString('utf8').slice(0, 300) : null,
          })
        })
        res.on('error', (error) => resolve({ error }))
      })
      req.on('error', (error) => resolve({ error }))
      req.end(payload)
    })
  }

  /** Sends requests for `durationMs`, then lets the ones in flight finish. */
  async function run(durationMs) {
    const ttfb = []
    const total = []
    const statuses = {}
    const errorMessages = {}
    let ok = 0
    let errors = 0
    let non2xx = 0
    let incomplete = 0
    let sample = null
    const startedAt = process.hrtime.bigint()
    const deadline = startedAt + BigInt(Math.round(durationMs * 1e6))

    async function worker() {
      while (process.hrtime.bigint() < deadline) {
        const result = await send()
        if (result.error) {
          errors += 1
          const message = result.error.code ?? result.error.message
          errorMessages[message] = (errorMessages[message] ?? 0) + 1
          // A target that refuses connections must not turn the loop into a spin.
          await new Promise((resolve) => setTimeout(resolve, 5))
          continue
        }
        statuses[result.status] = (statuses[result.status] ?? 0) + 1
        if (result.status < 200 || result.status >= 300) {
          non2xx += 1
          sample ??= result.sample
          continue
        }
        if (result.incomplete) {
          incomplete += 1
          continue
        }
        ok += 1
        ttfb.push(result.ttfbMs)
        total.push(result.totalMs)
      }
    }

    const cpuBefore = process.cpuUsage()
    await Promise.all(Array.from({ length: connections }, worker))
    const elapsedMs = Number(process.hrtime.bigint() - startedAt) / 1e6
    const cpu = process.cpuUsage(cpuBefore)
    return {
      requests: ok,
      elapsedMs,
      requestsPerSecond: ok / (elapsedMs / 1000),
      errors,
      non2xx,
      incomplete,
      statuses,
      errorMessages,
      non2xxSample: sample,
      ttfb: summarize(ttfb),
      latency: summarize(total),
      clientCpuMs: (cpu.user + cpu.system) / 1000,
    }
  }

  return {
    run,
    /** Sends one request and returns its status, body and timing (a pre-flight check). */
    async probe() {
      return new Promise((resolve, reject) => {
        const req = http.request(options, (res) => {
          const parts = []
          res.on('data', (part) => parts.push(part))
          res.on('end', () =>
            resolve({ status: res.statusCode, body: Buffer.concat(parts).toString('utf8') }),
          )
          res.on('error', reject)
        })
        req.on('error', reject)
        req.end(payload)
      })
    },
    close: () => agent.destroy(),
  }
}
