import { WORDS } from './normal-prompts.js'
import { createRandom } from './seeded-random.js'
import { fillTemplate } from './template-text.js'

/** Sentences a helpful assistant strings together; slots keep two answers from matching. */
const OPENINGS: readonly string[] = [
  'Sure, here is a version you can adapt.',
  'Good question; there are a few ways to look at it.',
  'Here is what I would suggest.',
  'Happy to help with that.',
  'Short answer: it depends on your constraints, but here is a sensible default.',
  'Below is a first draft.',
  'Let me break this down.',
  'Thanks for the details, that helps.',
]

const BODY: readonly string[] = [
  'Start with the simplest option and measure before you change anything else.',
  'Most people in your situation find that a short checklist saves time later.',
  'Keep the first version small, then add the parts your readers ask for.',
  'If you are working with {audience}, lead with the benefit and keep the wording plain.',
  'A common mistake is to do everything at once; split it into {number} steps instead.',
  'In {city} this usually works well, especially outside the busy season in {month}.',
  'The {product} example is a good one, because it shows the trade-off clearly.',
  'You could also ask {first} to review it before it goes out on {day}.',
  'For {language}, the standard library already covers most of this.',
  'A {tone} tone fits here, with one concrete example near the start.',
  'Write down what done looks like, so that everyone agrees when to stop.',
  'Check the edge cases: empty input, very large input, and anything with unusual characters.',
  'Set a reminder for {day} to see whether the change had the effect you wanted.',
  'It helps to compare two options side by side before you commit to one.',
  'Use {number} short paragraphs rather than one long one; it reads faster.',
  'If the first attempt does not work, change one thing at a time and note what happened.',
  'A quick sketch on paper often shows the problem faster than another hour at the screen.',
  'Budget a little extra time for review; it is usually where surprises show up.',
  'When in doubt, ask the people who will use it what they need most.',
  'Keep a copy of the original, so you can always go back.',
  'Group related items together, and put the most important one first.',
  'A table works well for this, with one row per option and one column per criterion.',
  'The key idea is {subject}, which is easier to see with a small example.',
  'For a {diet} version, swap in {ingredient} and adjust the seasoning to taste.',
  'Around {month} things tend to be busier, so plan a few days of slack.',
  'If {first} {last} owns this, agree on a deadline before {day}.',
  'The same idea works for {audience}, with fewer technical terms.',
  'A {color} accent draws the eye without distracting from the message.',
  'Expect roughly {number} rounds of feedback before it feels finished.',
  'Something like {phrase} sets the right expectation early.',
  'As a rule of thumb, {decision} is a reasonable place to land.',
  'In {language} you would usually reach for {framework} or the standard library here.',
  'Try {dish} as a reference point: simple, familiar, and easy to adapt.',
  'For a {role}, {skill} is usually the thing to test first.',
]

const CLOSINGS: readonly string[] = [
  'Let me know if you want a shorter or a more formal version.',
  'I can expand any of these points if that helps.',
  'Tell me more about your setup and I can be more specific.',
  'Hope this helps, and good luck!',
  'Would you like me to turn this into a checklist?',
  '',
]

/**
 * A plausible, harmless answer to a prompt, the same every time for the same prompt and
 * unrelated for two different ones (as a model sampling at a normal temperature would be).
 */
export function writeAnswer(prompt: string): string {
  const random = createRandom(prompt)
  const sentences = [random.pick(OPENINGS)]
  // What the question was about, in its own words: answers follow their prompts.
  const topics = random
    .shuffled(prompt.toLowerCase().match(/[a-z]{5,}/g) ?? [])
    .slice(0, random.int(2, 4))
  if (topics.length > 1) {
    sentences.push(
      `On ${topics.slice(0, -1).join(', ')} and ${topics.at(-1) ?? ''}: here is my take.`,
    )
  }
  const body = random.shuffled(BODY).slice(0, random.int(2, 6))
  for (const sentence of body) sentences.push(fillTemplate(sentence, WORDS, random))
  sentences.push(random.pick(CLOSINGS))
  return sentences.filter((s) => s !== '').join(' ')
}
