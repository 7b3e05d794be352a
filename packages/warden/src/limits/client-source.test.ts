import { describe, expect, it } from 'vitest'
import { sourceOf } from './client-source.js'

describe('the source of a client address', () => {
  it('keeps IPv4 and unwraps IPv4-mapped IPv6', () => {
    expect(sourceOf('203.0.113.7')).toBe('203.0.113.7')
    expect(sourceOf('::ffff:203.0.113.7')).toBe('203.0.113.7')
  })

  it('folds IPv6 to its /64, however it is written', () => {
    expect(sourceOf('2001:db8:1:2:aaaa:bbbb:cccc:dddd')).toBe('2001:db8:1:2::/64')
    expect(sourceOf('2001:db8:1:2::17')).toBe('2001:db8:1:2::/64')
    expect(sourceOf('2001:0db8:0001:0002:0:0:0:1')).toBe('2001:db8:1:2::/64')
    expect(sourceOf('::1')).toBe('0:0:0:0::/64')
    expect(sourceOf('fe80::1%eth0')).toBe('fe80:0:0:0::/64')
  })

  it('passes through what it cannot read instead of failing', () => {
    expect(sourceOf('not an address')).toBe('not an address')
    expect(sourceOf('1:2:3')).toBe('1:2:3')
    expect(sourceOf('1::2::3')).toBe('1::2::3')
  })
})
