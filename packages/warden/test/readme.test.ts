import { spawn, type SpawnOptions } from 'node:child_process'
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse as parseYaml } from 'yaml'
import { configSchema } from '../src/config/index.js'
import { providerKinds } from '../src/providers/index.js'
import { startHarness, type Harness } from '../src/testing/warden-harness.js'
import { startStubUpstream } from '../src/testing/stub-upstream.js'

const repo = resolve(import.meta.dirname, '..', '..', '..')
const readme = readFileSync(join(repo, 'README.md'), 'utf8')
const bin = join(repo, 'packages', 'warden', 'bin', 'warden.js')
const main = join(repo, 'packages', 'warden', 'dist', 'main.js')
const README_URL = 'http://127.0.0.1:8080'

/** Runs a command without blocking this process, which also serves the requests it makes. */
function run(
  command: string,
  args: readonly string[],
  options: SpawnOptions,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
    child.on('close', (status) => {
      clearTimeout(timer)
      done({ status, stdout, stderr })
    })
  })
}

interface Block {
  readonly lang: string
  readonly body: string
  readonly section: string
}

function blocks(): Block[] {
  const out: Block[] = []
  let section = ''
  const lines = readme.split('\n')
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i] ?? ''
    if (line.startsWith('## ')) section = line.slice(3).trim()
    const fence = /^```(\w+)$/.exec(line)
    if (!fence) continue
    const body: string[] = []
    for (i += 1; i < lines.length && lines[i] !== '```'; i += 1) body.push(lines[i] ?? '')
    out.push({ lang: fence[1] ?? '', body: body.join('\n'), section })
  }
  return out
}

/** Every leaf key path of the config schema, as the README's table writes it. */
function schemaPaths(): string[] {
  const walk = (schema: unknown, prefix: string): string[] => {
    const def = (
      schema as {
        def?: {
          type?: string
          innerType?: unknown
          shape?: Record<string, unknown>
          element?: unknown
          valueType?: unknown
          options?: unknown[]
        }
      }
    ).def
    if (!def) return [prefix]
    switch (def.type) {
      case undefined:
        return [prefix]
      case 'default':
      case 'prefault':
      case 'optional':
      case 'nullable':
      case 'pipe':
        return walk(def.innerType ?? (def as { in?: unknown }).in, prefix)
      case 'object':
        return Object.entries(def.shape ?? {}).flatMap(([key, child]) =>
          walk(child, prefix ? `${prefix}.${key}` : key),
        )
      case 'array':
        return walk(def.element, `${prefix}[]`)
      case 'record': {
        // A map of plain values (headers) is one key; a map of objects (providers) is walked.
        const inner = walk(def.valueType, `${prefix}.<name>`)
        return inner.length === 1 && inner[0] === `${prefix}.<name>` ? [prefix] : inner
      }
      case 'union':
        return [...new Set((def.options ?? []).flatMap((option) => walk(option, prefix)))]
      default:
        return [prefix]
    }
  }
  return walk(configSchema(providerKinds), '')
}

/** Every command in the README is either run here or named as run by CI. */
describe('the README', () => {
  let h: Harness
  let key: string

  beforeAll(async () => {
    h = await startHarness()
    key = await h.createKey()
  })
  afterAll(async () => {
    await h.close()
  })

  it('gives a quickstart of exactly two commands, which CI and package.json back', () => {
    const quickstart = blocks().filter((b) => b.section === 'Quickstart')
    expect(quickstart).toHaveLength(1)
    expect(quickstart[0]?.body.split('\n')).toEqual(['npm install && npm start', 'npm test'])
    const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>
    }
    expect(pkg.scripts.start).toMatch(/node( --\S+)* packages\/warden\/dist\/main\.js$/)
    const ci = readFileSync(join(repo, '.ci', 'run'), 'utf8')
    expect(ci).toMatch(/^npm ci/m)
    expect(ci).toMatch(/^npm test$/m)
    expect(ci).toMatch(/^npm run typecheck$/m)
    expect(ci).toMatch(/^npm run lint$/m)
  })

  it('documents every configuration key', () => {
    const missing = schemaPaths().filter((path) => !readme.includes(`\`${path}\``))
    expect(missing).toEqual([])
  })

  it('shows a warden.yaml that loads as written', () => {
    const yaml = blocks().find((b) => b.lang === 'yaml')
    expect(yaml).toBeDefined()
    const raw = parseYaml(yaml?.body ?? '') as { providers: Record<string, { apiKey?: string }> }
    if (raw.providers.openai) raw.providers.openai.apiKey = 'sk-test'
    const parsed = configSchema(providerKinds).parse(raw)
    expect(parsed.models.map((m) => m.id)).toEqual(['gpt-4o-mini', 'house-model'])
  })

  it('runs the openai client example as written', async () => {
    const js = blocks().find((b) => b.lang === 'js')
    expect(js?.body).toContain(`baseURL: '${README_URL}/v1'`)
    const dir = mkdtempSync(join(tmpdir(), 'warden-readme-'))
    const file = join(dir, 'example.mjs')
    // Resolve `openai` from this repository, as an application in it would.
    writeFileSync(
      file,
      (js?.body ?? '')
        .replace(README_URL, h.url)
        .replace("from 'openai'", `from '${join(repo, 'node_modules', 'openai', 'index.mjs')}'`),
    )
    const out = await run(process.execPath, [file], {
      env: { PATH: process.env.PATH, WARDEN_API_KEY: key },
    })
    expect(out.stderr).toBe('')
    expect(out.stdout).toBe('Hello from the stub upstream.\nHello from the stub upstream.')
  })

  it('documents every admin route with its method and path', () => {
    const source = readFileSync(
      join(repo, 'packages', 'warden', 'src', 'http', 'routes', 'admin', 'admin-routes.ts'),
      'utf8',
    )
    const routes = [
      ...source.matchAll(/app\.(get|post|put|patch|delete)(?:<[^>]*>)?\(\s*'([^']+)'/g),
    ]
    expect(routes.length).toBeGreaterThan(10)
    const missing = routes
      .map(([, method = '', path = '']) => ({ method: method.toUpperCase(), path }))
      .filter(
        ({ method, path }) =>
          !new RegExp(`^\\| ${method} +\\| \`${path.replace(/[?]/g, '\\?')}[?\`]`, 'm').test(
            readme,
          ),
      )
    expect(missing).toEqual([])
  })

  it('links to nothing outside the repository', () => {
    expect(readme).not.toMatch(/\.\.\/shared|\]\(\.\.\//)
  })

  it('runs every shell command it shows', async () => {
    const commands = blocks()
      .filter((b) => b.lang === 'sh')
      .flatMap((b) => b.body.split('\n'))
      .filter((line) => line.trim() !== '')
    const ranByCi = new Set(['npm install && npm start', 'npm test'])
    // An empty folder, so a warden.yaml in the checkout cannot change what the commands do.
    const cwd = mkdtempSync(join(tmpdir(), 'warden-readme-cwd-'))
    let createdKey: string | undefined
    let apiKey: string | undefined
    for (const command of commands) {
      if (ranByCi.has(command)) continue
      if (command.startsWith('npx warden ')) {
        // Words split on spaces, a double-quoted phrase kept whole, as the shell would.
        const args = [...command.slice('npx warden '.length).matchAll(/"([^"]*)"|(\S+)/g)].map(
          (m) => m[1] ?? m[2] ?? '',
        )
        const out = await run(process.execPath, [bin, ...args], {
          cwd,
          env: { PATH: process.env.PATH, WARDEN_SQLITE_PATH: h.config.database.sqlitePath },
        })
        expect(out.status, `${command}\n${out.stderr}`).toBe(0)
        if (args.includes('--json')) {
          const created = JSON.parse(out.stdout) as { key: string; org_id: string; app_id: string }
          expect(created.key).toMatch(/^wdn_/)
          expect(created.org_id).toMatch(/^org_/)
          expect(created.app_id).toMatch(/^app_/)
          createdKey = created.key
        }
      } else if (/^echo "[^"]*" \| npx warden classify( |$)/.test(command)) {
        // A text piped into the CLI, as shown.
        const out = await run(
          'bash',
          ['-c', command.replace('npx warden', `"${process.execPath}" "${bin}"`)],
          {
            cwd,
            env: { PATH: process.env.PATH, WARDEN_SQLITE_PATH: h.config.database.sqlitePath },
          },
        )
        expect(out.status, `${command}\n${out.stderr}`).toBe(0)
        if (command.includes('--json')) {
          expect(JSON.parse(out.stdout)).toHaveProperty('action')
        } else expect(out.stdout).toMatch(/^(allow|flag|redact|block)/)
      } else if (command.startsWith('export WARDEN_API_KEY=')) {
        // The key the README's own `key create` printed, exported as shown.
        expect(createdKey, 'the README creates a key before exporting it').toBeDefined()
        const out = await run(
          'bash',
          ['-c', `${command.replace('wdn_…', createdKey ?? '')}\nprintf %s "$WARDEN_API_KEY"`],
          { cwd, env: { PATH: process.env.PATH } },
        )
        expect(out.status, `${command}\n${out.stderr}`).toBe(0)
        apiKey = out.stdout
      } else if (command.startsWith('curl ')) {
        expect(apiKey, 'the README exports WARDEN_API_KEY before using it').toBe(createdKey)
        const out = await run(
          'bash',
          ['-c', command.replaceAll(README_URL, h.url).replace('curl -s', 'curl -sf')],
          {
            cwd,
            env: { PATH: process.env.PATH, ...(apiKey ? { WARDEN_API_KEY: apiKey } : {}) },
          },
        )
        expect(out.status, `${command}\n${out.stderr}`).toBe(0)
        expect(JSON.parse(out.stdout)).toHaveProperty(
          command.includes('/models') ? 'data' : 'choices',
        )
      } else if (/^WARDEN_UPSTREAM_URL=\S+ npm start$/.test(command)) {
        const stub = await startStubUpstream()
        const dir = mkdtempSync(join(tmpdir(), 'warden-readme-start-'))
        const child = spawn(process.execPath, [main], {
          cwd: dir,
          env: {
            PATH: process.env.PATH,
            WARDEN_UPSTREAM_URL: stub.url,
            WARDEN_PORT: '0',
            WARDEN_METRICS_PORT: '0',
          },
        })
        // The banner is for the terminal (stderr); stdout carries only JSON log lines.
        let stderr = ''
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
        child.stdout.resume()
        try {
          await expect.poll(() => stderr, { timeout: 15_000 }).toMatch(/listening on (http:\S+)/)
          const url = /listening on (http:\S+)/.exec(stderr)?.[1] ?? ''
          const created = await run(
            process.execPath,
            [bin, 'key', 'create', '--org', 'o', '--app', 'a', '--json'],
            { cwd: dir, env: { PATH: process.env.PATH } },
          )
          const res = await fetch(`${url}/v1/models`, {
            headers: {
              authorization: `Bearer ${(JSON.parse(created.stdout) as { key: string }).key}`,
            },
          })
          expect(
            ((await res.json()) as { data: Array<{ id: string }> }).data.map((m) => m.id),
          ).toEqual(['stub-model', 'stub-embedder'])
        } finally {
          child.kill('SIGTERM')
          await new Promise((r) => child.once('exit', r))
          await stub.close()
        }
      } else {
        throw new Error(`README command is run by no test: ${command}`)
      }
    }
  }, 120_000) // eight processes in a row: a loaded machine needs more than the default 30 s
})
