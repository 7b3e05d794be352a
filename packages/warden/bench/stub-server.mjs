// The stub upstream in its own process, so it does not share a core with the load generator.
// Usage: node stub-server.mjs [port]. Prints one JSON line {"url": "...", "pid": N} once it
// listens; exits on SIGTERM or SIGINT.
import { startStubUpstream } from '../dist/testing/stub-upstream.js'

const port = Number(process.argv[2] ?? 0)
const stub = await startStubUpstream({ port, record: false })
process.stdout.write(`${JSON.stringify({ url: stub.url, pid: process.pid })}\n`)

let stopping = false
const stop = () => {
  if (stopping) return
  stopping = true
  stub.close().then(
    () => process.exit(0),
    () => process.exit(1),
  )
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
