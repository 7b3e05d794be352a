import { performance } from 'node:perf_hooks'

/** A deadline being watched; `expire` runs once if it passes before it is dropped. */
interface Watched {
  readonly at: number
  readonly expire: () => void
}

/**
 * Watches many deadlines with one coarse timer, running only while any is watched: the request
 * path pays a set insert and delete per call, not a timer of its own. A deadline fires at most
 * `resolutionMs` late.
 */
export function createDeadlineSweeper(resolutionMs: number) {
  const watched = new Set<Watched>()
  let timer: NodeJS.Timeout | null = null

  const sweep = (): void => {
    const now = performance.now()
    for (const entry of watched) {
      if (entry.at > now) continue
      watched.delete(entry)
      entry.expire()
    }
    if (watched.size === 0 && timer !== null) {
      clearInterval(timer)
      timer = null
    }
  }

  return {
    /** Runs `expire` once `at` (monotonic ms) has passed; the returned function stops watching. */
    watch(at: number, expire: () => void): () => void {
      const entry = { at, expire }
      watched.add(entry)
      if (timer === null) {
        timer = setInterval(sweep, resolutionMs)
        timer.unref()
      }
      return () => {
        watched.delete(entry)
      }
    },
  }
}
