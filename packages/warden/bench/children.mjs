// The bench's child processes (stub, floor, gateway): start, wait until ready, stop. Every
// child started here is stopped at exit, on SIGINT/SIGTERM and on an uncaught error.
import { spawn } from 'node:child_process'
import http from 'node:http'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const running = new Set()

/** Node flags for every child: stop if the bench is killed before it can stop them. */
export const EXIT_WITH_PARENT = [
  '--import',
  pathToFileURL(path.join(path.dirname(fileURLToPath(import.meta.url)), 'exit-with-parent.mjs'))
    .href,
]

/**
 * Spawns `command args` with piped stdout and stderr. `firstLine` resolves with the first stdout line,
 * or rejects if the child exits first; `output` keeps the last few KB of stdout and stderr.
 */
export function startChild(name, command, args, { env, cwd, stdout = 'pipe' } = {}) {
  const proc = spawn(command, args, { env, cwd, stdio: ['ignore', stdout, 'pipe'] })
  const child = { name, proc, pid: proc.pid, output: '', exited: false, exitStatus: null }
  running.add(child)
  const keep = (text) => {
    child.output = (child.output + text).slice(-8000)
  }
  let settleLine
  child.firstLine = new Promise((resolve, reject) => {
    settleLine = { resolve, reject }
  })
  child.firstLine.catch(() => {})
  let pending = ''
  let lineSeen = false
  proc.stdout?.setEncoding('utf8')
  proc.stdout?.on('data', (text) => {
    keep(text)
    if (lineSeen) return
    pending += text
    const end = pending.indexOf('\n')
    if (end !== -1) {
      lineSeen = true
      settleLine.resolve(pending.slice(0, end))
    }
  })
  proc.stderr.setEncoding('utf8')
  proc.stderr.on('data', keep)
  child.exit = new Promise((resolve) => {
    const done = (status) => {
      if (child.exited) return
      child.exited = true
      child.exitStatus = status
      running.delete(child)
      settleLine.reject(
        new Error(`${name} exited (${status}) before it was ready:\n${child.output.trim()}`),
      )
      resolve()
    }
    proc.on('exit', (code, signal) => done(code ?? signal))
    proc.on('error', (error) => done(error.message))
  })
  return child
}

/** Starts a child that prints one JSON line when it listens, and returns that line parsed. */
export async function startListeningChild(name, command, args, options) {
  const child = startChild(name, command, args, options)
  const line = await withTimeout(child.firstLine, 15_000, `${name} did not start in 15 s`)
  try {
    return { child, ...JSON.parse(line) }
  } catch {
    throw new Error(`${name} printed ${JSON.stringify(line)} instead of its address`)
  }
}

/** Polls `url` until it answers 200; fails fast when `child` exits. */
export async function waitForHttp(url, child, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (child?.exited)
      throw new Error(`${child.name} exited (${child.exitStatus}):\n${child.output.trim()}`)
    const status = await new Promise((resolve) => {
      const req = http.get(url, { agent: false, timeout: 1000 }, (res) => {
        res.resume()
        resolve(res.statusCode)
      })
      req.on('timeout', () => req.destroy())
      req.on('error', () => resolve(0))
    })
    if (status === 200) return
    if (Date.now() > deadline)
      throw new Error(`${url} did not answer 200 within ${timeoutMs / 1000} s (last: ${status})`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** SIGTERM, then SIGKILL if the child has not exited after `graceMs`. */
export async function stopChild(child, graceMs = 5000) {
  if (child.exited) return
  child.proc.kill('SIGTERM')
  let timer
  const late = new Promise((resolve) => {
    timer = setTimeout(() => resolve('late'), graceMs)
  })
  const outcome = await Promise.race([child.exit, late])
  clearTimeout(timer)
  if (outcome === 'late' && !child.exited) {
    child.proc.kill('SIGKILL')
    await child.exit
  }
}

export function stopAllChildren() {
  return Promise.all([...running].map((child) => stopChild(child)))
}

/**
 * Stops every child however the bench ends; `removeTemp` (sync, idempotent) then deletes what
 * the bench wrote to disk.
 */
export function installCleanup(log, removeTemp = () => {}) {
  process.on('exit', () => {
    for (const child of running) {
      try {
        process.kill(child.pid, 'SIGTERM')
      } catch {
        // already gone
      }
    }
    removeTemp()
  })
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ]) {
    process.once(signal, () => {
      log(`\n${signal}: stopping the bench's processes`)
      stopAllChildren().finally(() => process.exit(code))
    })
  }
}

export function withTimeout(promise, ms, message) {
  let timer
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), ms)
    }),
  ]).finally(() => clearTimeout(timer))
}
