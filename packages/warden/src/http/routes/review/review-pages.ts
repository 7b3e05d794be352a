import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import {
  REVIEW_STATES,
  type AdminUser,
  type AdminUsers,
  type ReviewState,
  type UseCaseApplication,
  type UseCaseApplications,
} from '../../../access/index.js'
import { WardenError } from '../../../domain/index.js'
import { html, page, type Html } from '../public/html.js'
import { signIn, type SignInDeps } from '../../sign-in.js'

export interface ReviewPageDeps extends SignInDeps {
  readonly adminUsers: AdminUsers
  readonly useCaseApplications: UseCaseApplications
}

const COOKIE = 'warden_review'
/** Pages carry no script; forms post only here; the session cookie never leaves `/review`. */
const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
} as const

function sessionOf(request: FastifyRequest): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=')
    if (name === COOKIE) return value.join('=')
  }
  return undefined
}

const when = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 16)

function loginPage(message: string | null): string {
  return page(
    'Reviewer sign-in',
    html`<h1>Reviewer sign-in</h1>
      ${message ? html`<p><strong>${message}</strong></p>` : ''}
      <form method="post" action="/review/login">
        <p>
          <label>Username <input name="username" autocomplete="username" /></label>
        </p>
        <p>
          <label
            >Password <input name="password" type="password" autocomplete="current-password"
          /></label>
        </p>
        <p><button>Sign in</button></p>
      </form>`,
  )
}

function queuePage(
  user: AdminUser,
  state: ReviewState,
  list: readonly UseCaseApplication[],
): string {
  return page(
    'Review queue',
    html`<p class="muted">Signed in as ${user.username} (${user.role}). <form method="post" action="/review/logout" style="display:inline"><button>Sign out</button></form></p>
<h1>Applications: ${state.replaceAll('_', ' ')}</h1>
<p>${REVIEW_STATES.map((s) => html`<a href="/review?state=${s}">${s.replaceAll('_', ' ')}</a> `)}</p>
<table><thead><tr><th>Application</th><th>Updated</th><th>Pre-screen</th><th>Description</th></tr></thead><tbody>${list.map(
      (a) =>
        html`<tr>
          <td><a href="/review/applications/${a.id}">${a.id}</a></td>
          <td>${when(a.updatedAt)}</td>
          <td>${a.prescreen?.outcome ?? '-'}</td>
          <td>${a.form.description.slice(0, 140)}</td>
        </tr>`,
    )}</tbody></table>${list.length === 0 ? html`<p>Nothing here.</p>` : ''}`,
  )
}

function applicationPage(a: UseCaseApplication): string {
  const f = a.form
  const row = (label: string, value: Html | string | number | null | undefined) =>
    html`<tr>
      <th>${label}</th>
      <td>${value ?? '-'}</td>
    </tr>`
  return page(
    `Application ${a.id}`,
    html`<p><a href="/review">Back to the queue</a></p>
      <h1>Application ${a.id}</h1>
      <p>
        State:
        <strong>${a.state.replaceAll('_', ' ')}</strong
        >${a.tier ? ` · tier ${a.tier}` : ''}${a.appealed ? ' · appealed once' : ''}
      </p>
      <h2>The form</h2>
      <table>
        ${[
          row('Description', f.description),
          row('Category', f.category),
          row('Domains', f.domains?.join(', ')),
          row('Audience', f.audience?.join(', ')),
          row('Expected volume', f.expected_volume),
          row(
            'Human oversight',
            f.human_oversight === undefined ? null : String(f.human_oversight),
          ),
          row('Discloses AI', f.discloses_ai === undefined ? null : String(f.discloses_ai)),
          row('Safeguards', f.safeguards),
          row('Safety contact', f.safety_contact),
        ]}
      </table>
      ${
        (f.samples ?? []).length > 0
          ? html`<h2>Samples</h2>
              ${(f.samples ?? []).map(
                (s) =>
                  html`<p><strong>Prompt:</strong> ${s.prompt}</p>
                    <p><strong>Output:</strong> ${s.output ?? ''}</p>`,
              )}`
          : ''
      }
      <h2>Pre-screen</h2>
      ${
        a.prescreen
          ? html`<p>${a.prescreen.outcome.replace('_', ' ')}</p>
              <ul>
                ${a.prescreen.clauses.map((c) => html`<li><a href="/policy#${c.id}">${c.id}</a>: ${c.why}</li>`)}
              </ul>
              ${
                (a.prescreen.mitigations ?? []).length > 0
                  ? html`<p>Mitigations required:</p>
                      <ul>
                        ${(a.prescreen.mitigations ?? []).map((m) => html`<li>${m.title} (mitigation.${m.id}): ${m.evidence ?? 'not shown in the form'}</li>`)}
                      </ul>`
                  : ''
              }`
          : html`<p>Not run yet.</p>`
      }
      <h2>History</h2>
      <table>
        <thead>
          <tr>
            <th>When</th>
            <th>From</th>
            <th>To</th>
            <th>Who</th>
            <th>Clauses</th>
            <th>Reason</th>
          </tr>
        </thead>
        <tbody>
          ${a.history.map(
            (e) =>
              html`<tr>
                <td>${when(e.at)}</td>
                <td>${e.from}</td>
                <td>${e.to}</td>
                <td>${e.actor}</td>
                <td>${e.clauses.join(', ')}</td>
                <td>${e.reason ?? ''}</td>
              </tr>`,
          )}
        </tbody>
      </table>
      <p class="muted">
        Decide with <code>warden app review decide ${a.id} …</code> or
        <code>POST /api/admin/applications/${a.id}/decision</code>.
      </p>`,
  )
}

/**
 * `/review`: reviewers read the queue and each application in a browser, without JavaScript.
 * Signing in sets an HttpOnly, SameSite=Strict cookie scoped to `/review`; decisions stay in
 * the API and the CLI, so these pages change nothing and need no CSRF defence.
 */
export function registerReviewPages(app: FastifyInstance, deps: ReviewPageDeps): void {
  const { adminUsers, useCaseApplications } = deps
  const send = (reply: FastifyReply, body: string, status = 200) =>
    reply.code(status).headers(PAGE_HEADERS).send(body)

  async function reviewer(request: FastifyRequest): Promise<AdminUser | null> {
    try {
      const user = await adminUsers.authenticate(sessionOf(request))
      return user.role === 'admin' || user.role === 'reviewer' ? user : null
    } catch (error) {
      if (error instanceof WardenError && error.code === 'unauthorized') return null
      throw error
    }
  }

  void app.register((scope, _options, done) => {
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: 4096 },
      (_request, body, parsed) =>
        parsed(null, Object.fromEntries(new URLSearchParams(body as string))),
    )

    scope.get('/review/login', (_request, reply) => send(reply, loginPage(null)))

    scope.post('/review/login', async (request, reply) => {
      const form = (request.body ?? {}) as Record<string, string | undefined>
      try {
        const session = await signIn(deps, request.ip, {
          username: String(form.username ?? ''),
          password: String(form.password ?? ''),
        })
        if (session.user.role !== 'admin' && session.user.role !== 'reviewer') {
          await adminUsers.logout(session.token)
          return await send(reply, loginPage('These pages are for reviewers and admins.'), 403)
        }
        const maxAge = Math.max(0, Math.floor((session.expiresAt - Date.now()) / 1000))
        return await reply
          .header(
            'set-cookie',
            `${COOKIE}=${session.token}; Path=/review; HttpOnly; SameSite=Strict; Max-Age=${maxAge}`,
          )
          .redirect('/review', 303)
      } catch (error) {
        if (error instanceof WardenError && error.code === 'unauthorized') {
          return send(reply, loginPage('Wrong username or password.'), 401)
        }
        if (error instanceof WardenError && error.code === 'rate_limit_exceeded') {
          return send(reply.headers(error.headers ?? {}), loginPage(error.message), 429)
        }
        throw error
      }
    })

    scope.post('/review/logout', async (request, reply) => {
      const token = sessionOf(request)
      if (token) await adminUsers.logout(token)
      return reply
        .header('set-cookie', `${COOKIE}=; Path=/review; HttpOnly; SameSite=Strict; Max-Age=0`)
        .redirect('/review/login', 303)
    })

    scope.get<{ Querystring: { state?: string } }>('/review', async (request, reply) => {
      const user = await reviewer(request)
      if (!user) return reply.redirect('/review/login', 303)
      const asked = request.query.state
      const state = (REVIEW_STATES as readonly string[]).includes(asked ?? '')
        ? (asked as ReviewState)
        : 'in_review'
      return send(reply, queuePage(user, state, await useCaseApplications.list({ state })))
    })

    scope.get<{ Params: { id: string } }>('/review/applications/:id', async (request, reply) => {
      const user = await reviewer(request)
      if (!user) return reply.redirect('/review/login', 303)
      try {
        const found = await useCaseApplications.get(request.params.id, {
          kind: 'staff',
          userId: user.id,
        })
        return await send(reply, applicationPage(found))
      } catch (error) {
        if (error instanceof WardenError && error.code === 'not_found') {
          return send(reply, page('Not found', html`<h1>No such application</h1>`), 404)
        }
        throw error
      }
    })
    done()
  })
}
