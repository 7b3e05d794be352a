/**
 * The text an upstream's JSON value arrived as, kept beside the parsed value so that a value
 * passed on unchanged is sent as it came instead of serialized again (measured: re-serializing
 * every stream chunk was about 2% of a streamed request's CPU).
 *
 * This holds only while values parsed from an upstream are never changed in place: a stage
 * that changes an answer or a chunk returns a new object, which has no recorded text and is
 * serialized as usual.
 */
const texts = new WeakMap<object, string>()

/** Records that `value` was parsed from `text`; returns `value`. */
export function parsedFrom<T extends object>(value: T, text: string): T {
  texts.set(value, text)
  return value
}

/** The JSON text of `value`: the text it was parsed from, if recorded, else serialized. */
export function jsonTextOf(value: object): string {
  return texts.get(value) ?? JSON.stringify(value)
}
