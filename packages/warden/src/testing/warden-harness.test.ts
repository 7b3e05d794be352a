import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { startHarness } from './warden-harness.js'

// A developer's own setup: a config whose secrets point at variables this shell does not set.
const USER_CONFIG = `server:
  port: 1
log:
  level: nonsense
providers:
  openai:
    kind: openai-compatible
    baseUrl: https://api.openai.com/v1
    apiKey: env:WARDEN_HARNESS_TEST_UNSET_SECRET
models:
  - id: gpt-4o-mini
    provider: openai
`

describe('the test harness', () => {
  const cwd = process.cwd()
  const saved = { ...process.env }
  const dir = mkdtempSync(join(tmpdir(), 'warden-user-folder-'))
  afterEach(() => {
    process.chdir(cwd)
    process.env = saved
    rmSync(dir, { recursive: true, force: true })
  })

  it('ignores a warden.yaml in the working directory and the WARDEN_* environment', async () => {
    writeFileSync(join(dir, 'warden.yaml'), USER_CONFIG)
    process.chdir(dir)
    process.env = { ...saved, WARDEN_CONFIG: join(dir, 'warden.yaml'), WARDEN_PORT: '1' }
    delete process.env.WARDEN_HARNESS_TEST_UNSET_SECRET
    const h = await startHarness()
    try {
      expect(Object.keys(h.config.providers)).toEqual(['stub'])
      const key = await h.createKey()
      const res = await fetch(`${h.baseURL}/models`, {
        headers: { authorization: `Bearer ${key}` },
      })
      expect(res.status).toBe(200)
      const models = (await res.json()) as { data: Array<{ id: string }> }
      expect(models.data.map((m) => m.id)).toEqual(['stub-model', 'stub-embedder'])
    } finally {
      await h.close()
    }
  })
})
