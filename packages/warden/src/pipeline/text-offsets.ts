import type { Exchange } from './exchange.js'

/**
 * Where each judged entry's texts start among the request's texts in its direction: a
 * direction's texts are numbered across its entries, in order (the inputs of one
 * `/v1/moderations` call, an answer judged in parts), so a stored finding's `text_index` and a
 * kept text's name the same text.
 */
export function textOffsets(content: Exchange['content']): number[] {
  let input = 0
  let output = 0
  return content.map((entry) => {
    if (entry.direction === 'input') {
      const start = input
      input += entry.texts.length
      return start
    }
    const start = output
    output += entry.texts.length
    return start
  })
}
