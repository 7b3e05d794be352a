// An OTLP/HTTP collector stand-in in its own process, for measuring what tracing costs Warden:
// it accepts every POST /v1/traces, reads the body and answers 200, and counts what it got.
// Usage: node otlp-sink.mjs. Prints one JSON line {"url": "...", "pid": N} once it listens;
// GET /stats answers {"exports", "bytes"}; exits on SIGTERM or SIGINT.
import http from 'node:http'

let exports = 0
let bytes = 0
const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/stats') {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ exports, bytes }))
    return
  }
  req.on('data', (chunk) => (bytes += chunk.length))
  req.on('end', () => {
    if (req.url === '/v1/traces') exports += 1
    res.writeHead(req.url === '/v1/traces' ? 200 : 404, { 'content-type': 'application/json' })
    res.end('{}')
  })
})
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address()
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}`, pid: process.pid })}\n`)
})
const stop = () => server.close(() => process.exit(0))
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
