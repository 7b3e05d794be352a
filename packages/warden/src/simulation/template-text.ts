import type { Random } from './seeded-random.js'

/** Word lists by slot name, for {@link fillTemplate}. */
export type WordLists = Readonly<Record<string, readonly string[]>>

const SLOT = /\{([^{}]+)\}/g
const HAS_SLOT = /\{[^{}]+\}/

/**
 * Fills a template: `{name}` is a random entry of the list `name`, `{a|b|c}` one of the
 * alternatives (an empty one leaves nothing). An entry may hold slots itself, filled in turn.
 */
export function fillTemplate(
  template: string,
  lists: WordLists,
  random: Random,
  depth = 0,
): string {
  const filled = template.replace(SLOT, (_match, inner: string) => {
    if (inner.includes('|')) return random.pick(inner.split('|'))
    const list = lists[inner]
    if (list === undefined) throw new Error(`no word list named ${inner}`)
    return random.pick(list)
  })
  // Entries may hold slots (a sentence with a product in it): fill those too, a few levels deep.
  return depth < 3 && HAS_SLOT.test(filled)
    ? fillTemplate(filled, lists, random, depth + 1)
    : filled
}

/** Makes the first letter upper case. */
export function capitalize(text: string): string {
  return text.length === 0 ? text : text.charAt(0).toUpperCase() + text.slice(1)
}
