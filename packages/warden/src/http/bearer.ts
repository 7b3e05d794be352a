/**
 * The token of an `Authorization: Bearer <token>` header: undefined without the header, `''`
 * when the header is not a bearer token (which callers refuse as they refuse a wrong token).
 */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
  return match?.[1] ?? ''
}
