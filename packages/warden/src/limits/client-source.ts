/** The 16-bit groups of an IPv6 address, or null when it is not one. */
function ipv6Groups(address: string): number[] | null {
  const [head = '', tail, extra] = address.split('::')
  if (extra !== undefined) return null
  const parse = (part: string) => (part === '' ? [] : part.split(':'))
  const left = parse(head)
  const right = tail === undefined ? [] : parse(tail)
  const missing = 8 - left.length - right.length
  if (tail === undefined ? missing !== 0 : missing < 1) return null
  const all = [...left, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...right]
  const groups = all.map((g) => (/^[0-9a-f]{1,4}$/i.test(g) ? Number.parseInt(g, 16) : Number.NaN))
  return groups.some(Number.isNaN) ? null : groups
}

/**
 * The source a client address counts as: an IPv4 address as it is (an IPv4-mapped IPv6 one
 * too), an IPv6 address as its /64, since one subscriber usually holds a whole /64 and can
 * rotate through it at will.
 */
export function sourceOf(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address)
  if (mapped?.[1]) return mapped[1]
  if (!address.includes(':')) return address
  const groups = ipv6Groups(address.split('%')[0] ?? '')
  if (!groups) return address
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`
}
