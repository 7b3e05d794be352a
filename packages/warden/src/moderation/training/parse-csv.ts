/**
 * Parses RFC 4180 CSV (quoted fields may hold commas, doubled quotes and line breaks) into
 * records keyed by the header row. Enough for the public data sets; not a general CSV library.
 */
export function parseCsv(text: string): Record<string, string>[] {
  const rows = parseRows(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text)
  const header = rows.shift() ?? []
  return rows
    .filter((row) => row.length > 1 || (row[0] ?? '') !== '')
    .map((row) => Object.fromEntries(header.map((name, i) => [name, row[i] ?? ''])))
}

function parseRows(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  const endField = (): void => {
    row.push(field)
    field = ''
  }
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string
    if (quoted && c === '"' && text[i + 1] === '"') {
      field += '"'
      i++
    } else if (c === '"') {
      quoted = !quoted
    } else if (quoted || (c !== ',' && c !== '\n' && c !== '\r')) {
      field += c
    } else if (c === ',') {
      endField()
    } else {
      if (c === '\r' && text[i + 1] === '\n') i++
      endField()
      rows.push(row)
      row = []
    }
  }
  if (field !== '' || row.length > 0) {
    endField()
    rows.push(row)
  }
  return rows
}
