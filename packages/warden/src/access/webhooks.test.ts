import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sqliteKind } from '../testing/databases.js'
import { openStoreFixture, wardenErrorOf, type StoreFixture } from '../testing/store-fixture.js'
import { createOrganizations } from './organizations.js'
import { createWebhooks, type Webhooks } from './webhooks.js'

describe('webhook endpoints', () => {
  let fx: StoreFixture
  let webhooks: Webhooks
  let orgId: string

  beforeAll(async () => {
    fx = await openStoreFixture(sqliteKind())
    const audit = fx.createAuditLog()
    orgId = (
      await createOrganizations({
        db: fx.store.db,
        changes: fx.store.changes,
        audit,
        now: fx.clock.now,
        isUniqueViolation: (e) => fx.store.isUniqueViolation(e),
      }).createOrganization('acme', 'test')
    ).id
    webhooks = createWebhooks({
      db: fx.store.db,
      audit,
      now: fx.clock.now,
      allowHttp: false,
      allowPrivateNetworks: false,
    })
  })
  afterAll(() => fx.close())

  it.each([
    'https://127.0.0.1/hooks',
    'https://localhost:8443/hooks',
    'https://[::1]/hooks',
    'https://169.254.169.254/latest/meta-data',
    'https://10.1.2.3/hooks',
    'https://192.168.0.10/hooks',
    'https://[::ffff:127.0.0.1]/hooks',
    'http://93.184.216.34/hooks',
    'https://user:pass@93.184.216.34/hooks',
    'not a url',
  ])('refuses %s and keeps no endpoint', async (url) => {
    expect(await wardenErrorOf(webhooks.setEndpoint(orgId, url, 'test'))).toMatchObject({
      status: 400,
      param: 'url',
    })
    expect(await webhooks.getEndpoint(orgId)).toBeUndefined()
  })

  it('accepts a public https address and shows its secret only when set', async () => {
    const set = await webhooks.setEndpoint(orgId, 'https://93.184.216.34/hooks', 'test')
    expect(set.secret).toMatch(/^whsec_[A-Za-z0-9+/=]{40,}$/)
    expect(await webhooks.getEndpoint(orgId)).toEqual({
      orgId,
      url: 'https://93.184.216.34/hooks',
      createdAt: set.createdAt,
    })
  })
})
