/** Markup that is already safe: made by {@link html}, never from a caller's string. */
export class Html {
  constructor(readonly markup: string) {}
  toString(): string {
    return this.markup
  }
}

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
}

/** Escapes text for an element's content or a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => ESCAPES[c] ?? c)
}

type Interpolation = Html | string | number | null | undefined | false | readonly Interpolation[]

function render(value: Interpolation): string {
  if (value === null || value === undefined || value === false) return ''
  if (value instanceof Html) return value.markup
  if (Array.isArray(value)) return (value as readonly Interpolation[]).map(render).join('')
  return escapeHtml(String(value))
}

/**
 * The one way pages are written: every interpolated value is escaped unless it is {@link Html}
 * made by this same function, so text a person typed can never become markup.
 */
export function html(strings: TemplateStringsArray, ...values: Interpolation[]): Html {
  let out = strings[0] ?? ''
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '')
  })
  return new Html(out)
}

const STYLE = `
body{font:16px/1.55 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#1d1d1f}
header nav a{margin-right:1rem}h1{font-size:1.8rem}h2{margin-top:2.2rem;border-bottom:1px solid #ddd}
.clause{margin:1.2rem 0;padding:.2rem 0 .2rem 1rem;border-left:3px solid #ccd}.id{font:13px ui-monospace,monospace;color:#555}
ins{background:#dfd;text-decoration:none}del{background:#fdd}table{border-collapse:collapse}
td,th{padding:.3rem .8rem;border-bottom:1px solid #eee;text-align:left}.muted{color:#666}
.added{border-left-color:#2a2}.removed{border-left-color:#c22}.changed{border-left-color:#c90}`

/** A whole page: the same header and navigation everywhere, no scripts. */
export function page(title: string, body: Html): string {
  return `<!doctype html>${
    html`<html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width,initial-scale=1" />
        <title>${title} · Warden</title>
        <style>
          ${new Html(STYLE)}
        </style>
      </head>
      <body>
        <header>
          <nav><a href="/policy">Usage policy</a><a href="/policy/versions">All versions</a></nav>
        </header>
        <main>${body}</main>
      </body>
    </html>`.markup
  }`
}
