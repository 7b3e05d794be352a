// What the output filter adds to a streamed answer's time to first token, beyond the hold-back
// window. Two Wardens on one stub upstream (in this process: it must be told what to answer):
// one with the default filters, one with moderation off. The same streamed chat request goes to
// each in turn, one at a time. The filtered Warden's first characters can only leave once
// `checkEveryChars` characters have arrived and been checked: that wait is the window. So the
// figure is the filtered Warden's time to its first content minus the unfiltered one's time to
// its first `checkEveryChars` characters, medians of the same rounds.
// Run after `npm run build`: node packages/warden/bench/stream-filter-bench.mjs [--requests N]
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { startStubUpstream } from '../dist/testing/stub-upstream.js'
import { stopChild } from './children.mjs'
import { median, prose } from './measure.mjs'
import { startWarden } from './start-warden.mjs'

/** The default `moderation.stream.checkEveryChars`: the first check waits for this much text. */
const CHECK_EVERY = 96

/** One streamed request: ms to the first content, and to `chars` characters of content. */
async function timeStream(target, chars) {
  const started = performance.now()
  const res = await fetch(`${target.url}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${target.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'stub-model',
      stream: true,
      messages: [{ role: 'user', content: 'Tell me about the parcel.' }],
    }),
  })
  if (res.status !== 200) throw new Error(`${target.name} answered ${res.status}`)
  let first = null
  let reached = null
  let content = ''
  let buffer = ''
  const decoder = new TextDecoder()
  for await (const piece of res.body) {
    buffer += decoder.decode(piece, { stream: true })
    let end = buffer.indexOf('\n\n')
    while (end >= 0) {
      const line = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      end = buffer.indexOf('\n\n')
      if (!line.startsWith('data: {')) continue
      const delta = JSON.parse(line.slice(6)).choices?.[0]?.delta?.content ?? ''
      content += delta
      if (first === null && delta.length > 0) first = performance.now() - started
      if (reached === null && content.length >= chars) reached = performance.now() - started
    }
  }
  return { first, reached: reached ?? performance.now() - started, length: content.length }
}

/** Medians over `requests` rounds, the two Wardens alternating which goes first. */
async function measure(targets, requests) {
  const samples = { filtered: [], unfiltered: [] }
  for (let i = 0; i < requests; i += 1) {
    const order = i % 2 === 0 ? targets : [...targets].reverse()
    for (const target of order) samples[target.name].push(await timeStream(target, CHECK_EVERY))
  }
  const filteredFirst = median(samples.filtered.map((s) => s.first))
  const unfilteredFirst = median(samples.unfiltered.map((s) => s.first))
  const unfilteredWindow = median(samples.unfiltered.map((s) => s.reached))
  return {
    filteredFirstMs: filteredFirst,
    unfilteredFirstMs: unfilteredFirst,
    unfilteredWindowMs: unfilteredWindow,
    addedBeyondWindowMs: filteredFirst - unfilteredWindow,
    answerChars: samples.filtered[0]?.length ?? 0,
  }
}

/** Starts the stub and both Wardens, measures each pacing, and stops them. */
export async function benchStreamFilter({ requests = 100, log = () => {} } = {}) {
  const stub = await startStubUpstream({ record: false })
  const tempDirs = []
  const children = []
  try {
    const start = async (name, env) => {
      const tempDir = mkdtempSync(path.join(os.tmpdir(), `warden-${name}-`))
      tempDirs.push(tempDir)
      const warden = await startWarden({ upstreamUrl: stub.url, tempDir, env })
      children.push(warden.child)
      return { name, ...warden }
    }
    const targets = [
      await start('filtered', {}),
      await start('unfiltered', { WARDEN_MODERATION_ENABLED: 'false' }),
    ]
    const answer = prose(2048)
    const results = {}
    for (const [pacing, chunkDelayMs] of [
      ['all at once', 0],
      ['a word every 5 ms', 5],
    ]) {
      stub.setDefault({ kind: 'reply', content: answer, chunkDelayMs })
      log(`stream filter: ${pacing}, ${requests} requests each`)
      await measure(targets, Math.min(10, requests))
      results[pacing] = await measure(targets, requests)
    }
    return results
  } finally {
    // Only its own Wardens: the gateway bench that calls it still has children of its own.
    for (const child of children) await stopChild(child)
    await stub.close()
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true })
  }
}

/** The figures as lines, with the goal. */
export function formatStreamFilter(results) {
  const lines = [
    'Streamed output through the output filter (1 connection, a 2 KB answer, medians)',
    '  upstream pacing       first content, filtered   unfiltered: first / first 96 chars   added beyond the window (goal ≤ 5 ms)',
  ]
  for (const [pacing, r] of Object.entries(results)) {
    lines.push(
      `  ${pacing.padEnd(20)}  ${r.filteredFirstMs.toFixed(2).padStart(8)} ms` +
        `               ${r.unfilteredFirstMs.toFixed(2)} / ${r.unfilteredWindowMs.toFixed(2)} ms` +
        `                  ${r.addedBeyondWindowMs.toFixed(2)} ms ${r.addedBeyondWindowMs <= 5 ? 'ok' : 'MISSED'}`,
    )
  }
  return lines.join('\n')
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { requests: { type: 'string', default: '100' } } })
  const results = await benchStreamFilter({
    requests: Number(values.requests),
    log: (line) => process.stderr.write(`${line}\n`),
  })
  process.stdout.write(`${formatStreamFilter(results)}\n`)
}
