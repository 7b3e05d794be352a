// The floor: the least a gateway must do per request, written with node:http and a keep-alive
// Agent. It reads the JSON body and parses it, forwards it (asking a stream for its usage, as a
// metering gateway must), reads the response and parses it to find `usage`, and sends it back;
// a stream is piped through while scanning the events for `usage`. No auth, no policy, no
// logging, no database.
// Usage: node floor-proxy.mjs <upstream base URL, e.g. http://127.0.0.1:PORT/v1> [port]
// Prints one JSON line {"url": "http://127.0.0.1:PORT/v1", "pid": N} once it listens.
import http from 'node:http'

const upstream = new URL(process.argv[2] ?? '')
const upstreamBase = upstream.pathname.replace(/\/+$/, '')
const port = Number(process.argv[3] ?? 0)
const agent = new http.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 256 })

/** Token totals read from `usage`: kept so the parsing is observable work, not dead code. */
const totals = { requests: 0, promptTokens: 0, completionTokens: 0, missingUsage: 0 }

function countUsage(usage) {
  totals.requests += 1
  if (usage && typeof usage.prompt_tokens === 'number') {
    totals.promptTokens += usage.prompt_tokens
    totals.completionTokens += usage.completion_tokens ?? 0
  } else {
    totals.missingUsage += 1
  }
}

function sendJson(res, status, value) {
  const text = JSON.stringify(value)
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  })
  res.end(text)
}

function fail(res, status, message) {
  if (res.headersSent) res.destroy()
  else sendJson(res, status, { error: { message, type: 'server_error' } })
}

/** Returns a function fed the stream's text that finds the `usage` in complete SSE events. */
function usageScanner() {
  let pending = ''
  let found = null
  return {
    push(text) {
      pending += text
      let end = pending.indexOf('\n\n')
      while (end !== -1) {
        const event = pending.slice(0, end)
        pending = pending.slice(end + 2)
        if (event.includes('"usage"') && event.startsWith('data: ')) {
          try {
            found = JSON.parse(event.slice(6)).usage ?? found
          } catch {
            // A broken event is the client's to see; the floor only reads usage.
          }
        }
        end = pending.indexOf('\n\n')
      }
    },
    get usage() {
      return found
    },
  }
}

function forward(req, res, body) {
  const stream = body.stream === true
  if (stream) body.stream_options = { ...body.stream_options, include_usage: true }
  const payload = JSON.stringify(body)
  const upstreamReq = http.request(
    {
      agent,
      host: upstream.hostname,
      port: upstream.port,
      method: 'POST',
      path: upstreamBase + req.url.slice('/v1'.length),
      headers: {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(payload),
      },
    },
    (upstreamRes) => {
      const status = upstreamRes.statusCode ?? 502
      if (stream && status === 200) {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
        const scanner = usageScanner()
        upstreamRes.setEncoding('utf8')
        upstreamRes.on('data', (text) => {
          scanner.push(text)
          if (!res.write(text)) {
            upstreamRes.pause()
            res.once('drain', () => upstreamRes.resume())
          }
        })
        upstreamRes.on('end', () => {
          countUsage(scanner.usage)
          res.end()
        })
        upstreamRes.on('error', () => res.destroy())
        return
      }
      const parts = []
      upstreamRes.on('data', (part) => parts.push(part))
      upstreamRes.on('end', () => {
        const raw = Buffer.concat(parts)
        try {
          countUsage(JSON.parse(raw.toString('utf8')).usage)
        } catch {
          fail(res, 502, 'floor: the upstream sent a malformed response')
          return
        }
        res.writeHead(status, {
          'content-type': upstreamRes.headers['content-type'] ?? 'application/json',
          'content-length': raw.length,
        })
        res.end(raw)
      })
      upstreamRes.on('error', () => fail(res, 502, 'floor: the upstream response failed'))
    },
  )
  upstreamReq.on('error', () => fail(res, 502, 'floor: the upstream could not be reached'))
  res.on('close', () => {
    if (!res.writableFinished) upstreamReq.destroy()
  })
  upstreamReq.end(payload)
}

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/healthz') {
    sendJson(res, 200, { status: 'ok', ...totals })
    return
  }
  if (req.method !== 'POST' || !req.url?.startsWith('/v1/')) {
    sendJson(res, 404, { error: { message: 'floor: no route', type: 'invalid_request_error' } })
    return
  }
  const parts = []
  req.on('data', (part) => parts.push(part))
  req.on('end', () => {
    let body
    try {
      body = JSON.parse(Buffer.concat(parts).toString('utf8'))
    } catch {
      sendJson(res, 400, { error: { message: 'floor: not JSON', type: 'invalid_request_error' } })
      return
    }
    if (typeof body !== 'object' || body === null) {
      sendJson(res, 400, {
        error: { message: 'floor: not an object', type: 'invalid_request_error' },
      })
      return
    }
    forward(req, res, body)
  })
})
server.keepAliveTimeout = 60_000

server.listen(port, '127.0.0.1', () => {
  const address = server.address()
  process.stdout.write(
    `${JSON.stringify({ url: `http://127.0.0.1:${address.port}/v1`, pid: process.pid })}\n`,
  )
})

let stopping = false
const stop = () => {
  if (stopping) return
  stopping = true
  server.closeAllConnections()
  server.close(() => process.exit(0))
  agent.destroy()
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
