/**
 * A seeded pseudo-random stream (sfc32): the same seed gives the same numbers on every machine,
 * which is what makes a simulation's figures repeatable. Not for secrets.
 */
export interface Random {
  /** A number in [0, 1). */
  next(): number
  /** An integer in [min, max], both included. */
  int(min: number, max: number): number
  /** A number in [min, max). */
  between(min: number, max: number): number
  /** True with probability `p`. */
  chance(p: number): boolean
  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T
  /** One element, each with its weight's share of the chances. */
  weighted<T>(items: readonly (readonly [T, number])[]): T
  /** A standard normal deviate (mean 0, deviation 1). */
  normal(): number
  /** A log-normal deviate: `median` times e to a normal deviate of deviation `sigma`. */
  logNormal(median: number, sigma: number): number
  /** The wait to the next event of a Poisson process of `rate` per unit. */
  exponential(rate: number): number
  /** A copy of `items` in a random order. */
  shuffled<T>(items: readonly T[]): T[]
  /**
   * An independent stream named `label`, a function of this stream's seed and the label only:
   * what one part of a simulation draws does not shift what another part draws.
   */
  fork(label: string): Random
}

/** 32-bit FNV-1a of a string, to turn seeds and labels into stream states. */
function hashString(text: string, basis = 0x811c9dc5): number {
  let hash = basis
  for (let i = 0; i < text.length; i += 1) {
    hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193)
  }
  return hash >>> 0
}

/** A stream seeded by a number or a text. */
export function createRandom(seed: number | string): Random {
  const key = String(seed)
  let a = hashString(key)
  let b = hashString(key, 0x9e3779b9)
  let c = hashString(key, 0x85ebca6b)
  let d = 1
  const nextUint = (): number => {
    const t = (((a + b) | 0) + d) | 0
    d = (d + 1) | 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) | 0
    c = (c << 21) | (c >>> 11)
    c = (c + t) | 0
    return t >>> 0
  }
  // The first outputs of sfc32 still show the seed: discard them.
  for (let i = 0; i < 12; i += 1) nextUint()
  let spare: number | null = null

  const random: Random = {
    next: () => nextUint() / 4294967296,
    int: (min, max) => min + Math.floor(random.next() * (max - min + 1)),
    between: (min, max) => min + random.next() * (max - min),
    chance: (p) => random.next() < p,
    pick<T>(items: readonly T[]): T {
      if (items.length === 0) throw new Error('pick from an empty list')
      return items[Math.floor(random.next() * items.length)] as T
    },
    weighted<T>(items: readonly (readonly [T, number])[]): T {
      let total = 0
      for (const [, weight] of items) total += weight
      let roll = random.next() * total
      for (const [item, weight] of items) {
        roll -= weight
        if (roll < 0) return item
      }
      const last = items[items.length - 1]
      if (last === undefined) throw new Error('weighted pick from an empty list')
      return last[0]
    },
    normal() {
      if (spare !== null) {
        const value = spare
        spare = null
        return value
      }
      // Box-Muller: two uniforms give two independent normals.
      const u = 1 - random.next()
      const v = random.next()
      const r = Math.sqrt(-2 * Math.log(u))
      spare = r * Math.sin(2 * Math.PI * v)
      return r * Math.cos(2 * Math.PI * v)
    },
    logNormal: (median, sigma) => median * Math.exp(sigma * random.normal()),
    exponential: (rate) => -Math.log(1 - random.next()) / rate,
    shuffled<T>(items: readonly T[]): T[] {
      const out = [...items]
      for (let i = out.length - 1; i > 0; i -= 1) {
        const j = Math.floor(random.next() * (i + 1))
        const held = out[i] as T
        out[i] = out[j] as T
        out[j] = held
      }
      return out
    },
    fork: (label) => createRandom(`${key}/${label}`),
  }
  return random
}
