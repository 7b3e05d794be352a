// Reads a V8 .cpuprofile (from `node --cpu-prof`) and says where the time went: the top
// functions by self time, the same grouped by area (package, dist/ folder, node internal),
// and how much ran in WHATWG fetch or web streams, which should stay off the hot path.
import path from 'node:path'

const META = new Set(['(root)', '(program)', '(idle)', '(garbage collector)'])

/** Web streams and fetch live here (Node's bundled undici is what global fetch runs on). */
const WEB_PATTERNS = [/internal\/webstreams\//, /internal\/deps\/undici\//, /undici\/lib\/web\//]

function shortUrl(url, root) {
  if (!url) return ''
  let file = url.startsWith('file://') ? decodeURIComponent(url.slice(7)) : url
  const modules = file.lastIndexOf('/node_modules/')
  if (modules !== -1) return file.slice(modules + '/node_modules/'.length)
  if (root && file.startsWith(root)) file = file.slice(root.length + 1)
  return file
}

function areaOf(functionName, url, root) {
  if (META.has(functionName)) return functionName
  if (!url) return '(native)'
  const file = shortUrl(url, root)
  if (file.startsWith('node:')) {
    const parts = file.replace(/^node:(internal\/)?/, '').split('/')
    if (parts[0] === 'deps') return `node:deps/${parts[1]}`
    return `node:${parts.length > 1 ? parts[0] : parts[0].replace(/\.js$/, '')}`
  }
  if (url.includes('/node_modules/')) {
    const parts = file.split('/')
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]
  }
  const dist = file.indexOf('/dist/')
  if (dist !== -1) {
    const rest = file.slice(dist + '/dist/'.length).split('/')
    return `warden ${rest.length > 1 ? rest[0] + '/' : rest[0]}`
  }
  return path.basename(file)
}

function keyOf({ functionName, url, lineNumber }, root) {
  const name = functionName || '(anonymous)'
  const file = shortUrl(url, root)
  return file ? `${name} ${file}:${lineNumber + 1}` : name
}

/**
 * Self time per function and per area, in ms and as a share of the non-idle time. With
 * `window` ({ startUs, endUs } on the monotonic clock, as process.hrtime.bigint() / 1000n
 * gives and V8 stamps its samples on Linux) only the samples inside it count.
 */
export function summarizeCpuProfile(profile, { root = '', top = 20, window = null } = {}) {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]))
  const parents = new Map()
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parents.set(child, node)
  const selfUs = new Map()
  const { samples = [], timeDeltas = [] } = profile
  // DevTools' attribution: sample i lasts until sample i + 1.
  let at = profile.startTime ?? 0
  for (let i = 0; i < samples.length; i += 1) {
    at += timeDeltas[i] ?? 0
    if (window && (at < window.startUs || at >= window.endUs)) continue
    const dt = timeDeltas[i + 1] ?? 0
    selfUs.set(samples[i], (selfUs.get(samples[i]) ?? 0) + dt)
  }
  const byFunction = new Map()
  const callers = new Map()
  const byArea = new Map()
  let busyUs = 0
  let idleUs = 0
  let webUs = 0
  for (const [id, us] of selfUs) {
    const node = nodes.get(id)
    if (!node) continue
    const { functionName, url } = node.callFrame
    const name = functionName || '(anonymous)'
    if (name === '(idle)') {
      idleUs += us
      continue
    }
    busyUs += us
    if (WEB_PATTERNS.some((pattern) => pattern.test(url))) webUs += us
    const key = keyOf(node.callFrame, root)
    byFunction.set(key, (byFunction.get(key) ?? 0) + us)
    // Who calls it, skipping native frames: says what a native hot spot like writev serves.
    let parent = parents.get(id)
    while (parent && !parent.callFrame.url && !META.has(parent.callFrame.functionName)) {
      parent = parents.get(parent.id)
    }
    if (parent) {
      const byCaller = callers.get(key) ?? new Map()
      const caller = keyOf(parent.callFrame, root)
      byCaller.set(caller, (byCaller.get(caller) ?? 0) + us)
      callers.set(key, byCaller)
    }
    const area = areaOf(name, url, root)
    byArea.set(area, (byArea.get(area) ?? 0) + us)
  }
  const rank = (map) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({
        name,
        selfMs: Math.round(us / 100) / 10,
        share: busyUs ? us / busyUs : 0,
      }))
  return {
    busyMs: Math.round(busyUs / 1000),
    idleMs: Math.round(idleUs / 1000),
    fetchOrWebStreamsMs: Math.round(webUs / 100) / 10,
    fetchOrWebStreamsShare: busyUs ? webUs / busyUs : 0,
    topFunctions: rank(byFunction).map((entry) => {
      const byCaller = callers.get(entry.name)
      const top = byCaller && [...byCaller].sort((a, b) => b[1] - a[1])[0]
      return top
        ? { ...entry, topCaller: top[0], topCallerShare: top[1] / (entry.selfMs * 1000) }
        : entry
    }),
    topAreas: rank(byArea),
  }
}
