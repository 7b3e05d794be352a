import type { FastifyInstance, FastifyReply } from 'fastify'
import { WardenError } from '../../../domain/index.js'
import {
  clausesOf,
  diffPolicies,
  type Clause,
  type PolicyVersion,
  type PolicyVersions,
  type TextPart,
} from '../../../policy/index.js'
import { html, page, type Html } from './html.js'

export interface PolicyPageDeps {
  readonly policyVersions: PolicyVersions
}

/** Pages carry no script and load nothing from elsewhere; inline style only. */
const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
} as const

const date = (ms: number) => new Date(ms).toISOString().slice(0, 10)

/**
 * The policy version as JSON: metadata, the document, and its clauses with their ids. The
 * document's `monitoring` section (detector thresholds) is left out: published, it would tell
 * misuse where to stop.
 */
export function toPolicyVersionJson(v: PolicyVersion) {
  const document = Object.fromEntries(
    Object.entries(v.document).filter(([section]) => section !== 'monitoring'),
  )
  return {
    version: v.version,
    hash: v.hash,
    published_at: Math.floor(v.publishedAt / 1000),
    requires_reacceptance: v.requiresReacceptance,
    grace_days: v.graceDays,
    changelog: v.changelog,
    url: `/policy/versions/${v.version}`,
    document,
    clauses: clausesOf(v.document).map((c) => ({
      id: c.id,
      section: c.section,
      title: c.title,
      text: c.text,
      details: c.details,
    })),
  }
}

const SECTION_TITLES: Readonly<Record<Clause['section'], string>> = {
  prohibited: 'Prohibited uses',
  high_scrutiny: 'Domains that need review and safeguards',
  mitigation: 'Safeguards',
  category: 'Content categories',
  tier: 'Access tiers',
  retention: 'Data retention',
}

function clauseBlock(c: Clause, kind = ''): Html {
  return html`<section class="clause ${kind}" id="${c.id}">
    <h3>${c.title} <a class="id" href="#${c.id}">${c.id}</a></h3>
    <p>${c.text}</p>
    ${
      c.details.length > 0
        ? html`<ul>
            ${c.details.map((d) => html`<li>${d}</li>`)}
          </ul>`
        : ''
    }
  </section>`
}

function versionPage(v: PolicyVersion, latest: number): string {
  const clauses = clausesOf(v.document)
  const sections = Object.keys(SECTION_TITLES) as Clause['section'][]
  return page(
    `${v.document.name}, version ${v.version}`,
    html`<h1>${v.document.name}</h1>
      <p class="muted">
        Version ${v.version}, published
        ${date(v.publishedAt)}${
          v.version === latest
            ? ' (current)'
            : html` · <a href="/policy">see the current version</a>`
        }${
          v.version > 1
            ? html` ·
                <a href="/policy/diff?from=${v.version - 1}&amp;to=${v.version}"
                  >changes from version ${v.version - 1}</a
                >`
            : ''
        }
        · <a href="/policy/versions/${v.version}.json">JSON</a>
      </p>
      ${v.changelog ? html`<p><strong>What changed:</strong> ${v.changelog}</p>` : ''}
      ${v.requiresReacceptance && v.version > 1 ? html`<p><strong>Organizations must accept this version again</strong>${v.graceDays > 0 ? html` within ${v.graceDays} days` : ''} to keep production access.</p>` : ''}
      <p>${v.document.summary}</p>
      ${sections.map((s) => {
        const inSection = clauses.filter((c) => c.section === s)
        return inSection.length === 0
          ? ''
          : html`<h2>${SECTION_TITLES[s]}</h2>
              ${inSection.map((c) => clauseBlock(c))}`
      })}
      <p class="muted">Content hash (SHA-256): <code>${v.hash}</code></p>`,
  )
}

function versionsPage(versions: readonly PolicyVersion[]): string {
  return page(
    'Usage policy versions',
    html`<h1>Usage policy versions</h1>
      <table>
        <thead>
          <tr>
            <th>Version</th>
            <th>Published</th>
            <th>Re-acceptance</th>
            <th>What changed</th>
            <th></th>
          </tr>
        </thead>
        <tbody>
          ${[...versions].reverse().map(
            (v) =>
              html`<tr>
                <td><a href="/policy/versions/${v.version}">${v.version}</a></td>
                <td>${date(v.publishedAt)}</td>
                <td>
                  ${v.requiresReacceptance ? (v.graceDays > 0 ? `required, ${v.graceDays} days' grace` : 'required') : 'no'}
                </td>
                <td>${v.changelog ?? ''}</td>
                <td>
                  ${v.version > 1 ? html`<a href="/policy/diff?from=${v.version - 1}&amp;to=${v.version}">diff</a>` : ''}
                </td>
              </tr>`,
          )}
        </tbody>
      </table>`,
  )
}

function words(parts: readonly TextPart[]): Html {
  return html`${parts.map((p) =>
    p.kind === 'added'
      ? html`<ins>${p.text}</ins>`
      : p.kind === 'removed'
        ? html`<del>${p.text}</del>`
        : p.text,
  )}`
}

function diffPage(from: PolicyVersion, to: PolicyVersion): string {
  const diff = diffPolicies(from.document, to.document)
  return page(
    `Usage policy: version ${from.version} to ${to.version}`,
    html`<h1>Changes from version ${from.version} to ${to.version}</h1>
      <p class="muted">
        <a href="/policy/versions/${from.version}">Version ${from.version}</a>
        (${date(from.publishedAt)}) →
        <a href="/policy/versions/${to.version}">version ${to.version}</a>
        (${date(to.publishedAt)}). ${diff.changes.length} clause(s) changed, added or removed;
        ${diff.unchanged} unchanged.
      </p>
      ${to.changelog ? html`<p><strong>Changelog:</strong> ${to.changelog}</p>` : ''}
      ${diff.name ? html`<p>Name: <del>${diff.name.before}</del> <ins>${diff.name.after}</ins></p>` : ''}
      ${
        diff.summary
          ? html`<h2>Summary</h2>
              <p>${words(diff.summary)}</p>`
          : ''
      }
      ${diff.changes.map((c) => {
        if (c.kind === 'added' && c.after)
          return html`<h2>Added</h2>
            ${clauseBlock(c.after, 'added')}`
        if (c.kind === 'removed' && c.before)
          return html`<h2>Removed</h2>
            ${clauseBlock(c.before, 'removed')}`
        return html`<section class="clause changed" id="${c.id}">
          <h3>
            ${
              c.title
                ? html`<del>${c.title.before}</del> <ins>${c.title.after}</ins>`
                : (c.after?.title ?? '')
            } <span class="id">${c.id}</span> <span class="muted">changed</span>
          </h3>
          ${c.text ? html`<p>${words(c.text)}</p>` : html`<p>${c.after?.text ?? ''}</p>`}${
            c.details.removed.length + c.details.added.length > 0
              ? html`<ul>
                  ${c.details.removed.map((d) => html`<li><del>${d}</del></li>`)}${c.details.added.map((d) => html`<li><ins>${d}</ins></li>`)}
                </ul>`
              : ''
          }
        </section>`
      })}
      ${diff.changes.length === 0 && !diff.summary && !diff.name ? html`<p>The two versions say the same.</p>` : ''}`,
  )
}

function versionNumber(text: string | undefined, param: string): number {
  const n = text !== undefined && /^[1-9][0-9]{0,8}$/.test(text) ? Number(text) : NaN
  if (!Number.isSafeInteger(n)) {
    throw new WardenError('invalid_request_error', `${param} must be a version number`, { param })
  }
  return n
}

/** `/policy…`: the usage policy, every version, diffs between two, and JSON. Public. */
export function registerPolicyPages(app: FastifyInstance, deps: PolicyPageDeps): void {
  const { policyVersions } = deps

  const sendPage = (reply: FastifyReply, body: string) => reply.headers(PAGE_HEADERS).send(body)

  async function versionOrThrow(n: number): Promise<PolicyVersion> {
    const v = await policyVersions.get(n)
    if (!v) throw new WardenError('not_found', `There is no usage policy version ${n}.`)
    return v
  }

  async function latest(): Promise<PolicyVersion> {
    const v = await policyVersions.current()
    if (!v) throw new WardenError('not_found', 'No usage policy has been published yet.')
    return v
  }

  app.get('/policy', async (_request, reply) => {
    const v = await latest()
    return sendPage(reply, versionPage(v, v.version))
  })
  app.get('/policy.json', async () => toPolicyVersionJson(await latest()))
  app.get('/policy/versions', async (_request, reply) =>
    sendPage(reply, versionsPage(await policyVersions.list())),
  )
  app.get<{ Params: { file: string } }>('/policy/versions/:file', async (request, reply) => {
    const match = /^(.*?)(\.json)?$/.exec(request.params.file)
    const n = versionNumber(match?.[1], 'version')
    const v = await versionOrThrow(n)
    if (match?.[2]) return toPolicyVersionJson(v)
    const current = await latest()
    return sendPage(reply, versionPage(v, current.version))
  })
  app.get<{ Querystring: { from?: string; to?: string } }>(
    '/policy/diff',
    async (request, reply) => {
      const from = await versionOrThrow(versionNumber(request.query.from, 'from'))
      const to = await versionOrThrow(versionNumber(request.query.to, 'to'))
      return sendPage(reply, diffPage(from, to))
    },
  )
}
