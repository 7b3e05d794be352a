import { createHash } from 'node:crypto'

/** A Lua script and its SHA-1, which `EVALSHA` names it by. */
export interface RedisScript {
  readonly source: string
  readonly sha: string
}

function script(source: string): RedisScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') }
}

/**
 * All-or-nothing reservation across every counter of a request: Redis runs a script without
 * interleaving, so no other replica's request can slip between the checks and the writes.
 * KEYS: the counters (a window's key, or a slot set). ARGV: now, lease, lease expiry, then per
 * key its window (ms, 0 for slots), limit and amount. Returns ok (1 or 0), then each counter's
 * value before the reservation. Expiries are relative (`PEXPIRE`): the windows follow the
 * gateways' clock, and a Redis clock that differs from theirs must not end a window early.
 */
export const RESERVE = script(`
local now = tonumber(ARGV[1])
local lease = ARGV[2]
local lease_until = tonumber(ARGV[3])
local result = { 1 }
for i = 1, #KEYS do
  local window = tonumber(ARGV[1 + 3 * i])
  local value
  if window == 0 then
    redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now)
    value = redis.call('ZCARD', KEYS[i])
  else
    value = tonumber(redis.call('GET', KEYS[i]) or '0')
  end
  result[i + 1] = value
  if value + tonumber(ARGV[3 + 3 * i]) > tonumber(ARGV[2 + 3 * i]) then result[1] = 0 end
end
if result[1] == 0 then return result end
for i = 1, #KEYS do
  local window = tonumber(ARGV[1 + 3 * i])
  if window == 0 then
    redis.call('ZADD', KEYS[i], lease_until, lease)
    redis.call('PEXPIRE', KEYS[i], lease_until - now)
  else
    redis.call('INCRBY', KEYS[i], ARGV[3 + 3 * i])
    redis.call('PEXPIRE', KEYS[i], window - now % window + 1000)
  end
end
return result
`)

/**
 * Settles reservations, several in one call. KEYS: counters. ARGV: per key an operation and
 * two values: 'r' refunds an amount into a window that still exists (never below zero), 'c'
 * charges an amount to a window with a time to live (ms), 's' frees the slot of a lease.
 */
export const SETTLE = script(`
for i = 1, #KEYS do
  local op = ARGV[3 * i - 2]
  if op == 's' then
    redis.call('ZREM', KEYS[i], ARGV[3 * i])
  elseif op == 'c' then
    redis.call('INCRBY', KEYS[i], ARGV[3 * i - 1])
    redis.call('PEXPIRE', KEYS[i], ARGV[3 * i])
  else
    local value = tonumber(redis.call('GET', KEYS[i]))
    if value then
      redis.call('SET', KEYS[i], math.max(0, value - tonumber(ARGV[3 * i - 1])), 'KEEPTTL')
    end
  end
end
return 1
`)

/** Reads counters without changing them. KEYS: counters; ARGV: now, then per key its window. */
export const PEEK = script(`
local now = tonumber(ARGV[1])
local result = {}
for i = 1, #KEYS do
  if tonumber(ARGV[1 + i]) == 0 then
    result[i] = redis.call('ZCOUNT', KEYS[i], '(' .. now, '+inf')
  else
    result[i] = tonumber(redis.call('GET', KEYS[i]) or '0')
  end
end
return result
`)
