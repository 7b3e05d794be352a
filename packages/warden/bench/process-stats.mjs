import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (`getconf CLK_TCK`). */
export const CLK_TCK = (() => {
  try {
    const value = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim())
    return value > 0 ? value : 100
  } catch {
    return 100
  }
})()

/** CPU time (user + system, all threads) a process has used so far, in ms; null when gone. */
export function readCpuMs(pid) {
  if (!pid) return null
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const utime = Number(fields[11])
    const stime = Number(fields[12])
    return ((utime + stime) * 1000) / CLK_TCK
  } catch {
    return null
  }
}

/** Current and peak resident set size of a process, in MB; null when gone. */
export function readMemoryMb(pid) {
  if (!pid) return null
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kb = (name) => {
      const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)
      return match ? Number(match[1]) : null
    }
    const rss = kb('VmRSS')
    const hwm = kb('VmHWM')
    return {
      rssMb: rss === null ? null : rss / 1024,
      peakRssMb: hwm === null ? null : hwm / 1024,
    }
  } catch {
    return null
  }
}

/**
 * CPU time the whole machine has spent in user and system mode (all cores), in ms. Interrupt
 * time is left out: loopback networking lands there and is charged to no process.
 */
export function readMachineBusyMs() {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]
    const ticks = line.trim().split(/\s+/).slice(1).map(Number)
    const [user = 0, nice = 0, system = 0] = ticks
    return ((user + nice + system) * 1000) / CLK_TCK
  } catch {
    return null
  }
}

/**
 * Resets a process's peak RSS (VmHWM) to its current RSS, so the next reading is the peak of
 * one run (Linux ≥ 4.0, our own processes). Returns false when the kernel refuses.
 */
export function resetPeakRss(pid) {
  if (!pid) return false
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5')
    return true
  } catch {
    return false
  }
}
