import { describe, expect, it } from 'vitest'
import { toApiKeyDto, toApplicationDto, toOrganizationDto } from './dto-mappers.js'

describe('DTO mappers', () => {
  it('show organizations and applications with snake_case names and Unix seconds', () => {
    expect(toOrganizationDto({ id: 'org_1', name: 'acme', createdAt: 1_700_000_000_999 })).toEqual({
      id: 'org_1',
      name: 'acme',
      created_at: 1_700_000_000,
    })
    expect(
      toApplicationDto({
        id: 'app_1',
        orgId: 'org_1',
        name: 'bot',
        createdAt: 1_700_000_000_000,
        tier: 'production',
        status: 'active',
      }),
    ).toEqual({
      id: 'app_1',
      org_id: 'org_1',
      name: 'bot',
      created_at: 1_700_000_000,
      tier: 'production',
      status: 'active',
    })
  })

  it('show a key by its prefix only, with null for a missing expiry or revocation', () => {
    const record = {
      id: 'key_1',
      appId: 'app_1',
      orgId: 'org_1',
      name: null,
      prefix: 'wdn_abcdefgh',
      allowedModels: ['stub-model'],
      expiresAt: null,
      revokedAt: 1_700_000_100_500,
      createdAt: 1_700_000_000_000,
      hash: 'must-not-appear',
    }
    expect(toApiKeyDto(record)).toEqual({
      id: 'key_1',
      app_id: 'app_1',
      org_id: 'org_1',
      name: null,
      prefix: 'wdn_abcdefgh',
      models: ['stub-model'],
      expires_at: null,
      revoked_at: 1_700_000_100,
      suspended_at: null,
      created_at: 1_700_000_000,
    })
  })
})
