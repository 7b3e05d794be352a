import type { Random } from './seeded-random.js'
import { capitalize, fillTemplate, type WordLists } from './template-text.js'

/** What a normal application is for: it decides its system prompt and what its users ask. */
export const USE_CASES = [
  'support',
  'code',
  'marketing',
  'summarize',
  'tutor',
  'travel',
  'extract',
  'recruiting',
  'translate',
  'cooking',
] as const
export type UseCase = (typeof USE_CASES)[number]

/** One chat message as the simulation sends it. */
export interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant'
  readonly content: string
}

/** Word lists every use case draws on. */
// prettier-ignore
export const WORDS: WordLists = {
  first: [
    'Maria', 'James', 'Aiko', 'Liam', 'Sofia', 'Noah', 'Priya', 'Lucas', 'Elena', 'Omar',
    'Grace', 'Mateo', 'Hannah', 'Ravi', 'Chloe', 'Daniel', 'Ines', 'Tom', 'Yuki', 'Sara',
  ],
  last: [
    'Garcia', 'Smith', 'Tanaka', 'Murphy', 'Rossi', 'Brown', 'Patel', 'Silva', 'Novak',
    'Haddad', 'Kim', 'Lopez', 'Weber', 'Nguyen', 'Dubois', 'Jensen', 'Costa', 'Okafor',
  ],
  product: [
    'kettle', 'desk lamp', 'running shoes', 'coffee grinder', 'backpack', 'phone case',
    'wireless earbuds', 'yoga mat', 'blender', 'office chair', 'rain jacket', 'water bottle',
    'standing desk', 'air purifier', 'electric toothbrush', 'cast iron pan', 'duvet cover',
    'smart watch', 'bike helmet', 'mechanical keyboard', 'garden hose', 'baby monitor',
  ],
  color: ['blue', 'black', 'white', 'green', 'grey', 'red', 'beige', 'navy', 'olive'],
  day: ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'the weekend', 'last week'],
  problem: [
    'with a cracked lid', 'two days late', 'in the wrong size', 'without the charger',
    'with a scratch on the side', 'in a damaged box', 'missing one of the parts',
    'in the wrong color', 'and it does not turn on', 'and it makes a loud noise',
  ],
  remedy: [
    'a replacement', 'a refund', 'an exchange for a bigger size', 'the missing part',
    'a discount on my next order', 'a return label', 'a repair',
  ],
  city: [
    'Lisbon', 'Kyoto', 'Chicago', 'Toronto', 'Berlin', 'Oaxaca', 'Edinburgh', 'Cape Town',
    'Seoul', 'Melbourne', 'Marrakesh', 'Vienna', 'Reykjavik', 'Hanoi', 'Buenos Aires',
    'Copenhagen', 'Istanbul', 'Vancouver', 'Dubrovnik', 'Singapore',
  ],
  language: ['Python', 'TypeScript', 'Go', 'Rust', 'Java', 'SQL', 'Kotlin', 'C#', 'Ruby', 'Bash'],
  framework: [
    'React', 'Django', 'Spring Boot', 'FastAPI', 'Express', 'Rails', 'Vue', 'Flask', 'Next.js',
    'pandas', 'Kubernetes', 'Terraform', 'PostgreSQL', 'Redis', 'GraphQL',
  ],
  codeTask: [
    'parse a CSV file and sum one column', 'retry an HTTP request with exponential backoff',
    'debounce a search input', 'paginate a database query', 'read environment variables safely',
    'write a unit test for a date formatter', 'cache results of a slow function',
    'stream a large file without loading it into memory', 'validate an email field in a form',
    'merge two sorted lists', 'group records by month', 'schedule a job every night at 2 am',
    'convert a timestamp to the user time zone', 'upload a file to object storage',
    'deduplicate rows by a compound key', 'handle a websocket reconnect',
  ],
  error: [
    'TypeError: cannot read properties of undefined', 'a deadlock detected error',
    'ModuleNotFoundError', 'a 413 payload too large response', 'an out of memory error',
    'a CORS error in the browser console', 'a null pointer exception on startup',
    'a timeout after thirty seconds', 'a merge conflict in the lock file',
    'an index out of range panic', 'a segmentation fault in a test run',
  ],
  audience: [
    'busy parents', 'small business owners', 'college students', 'first-time home buyers',
    'remote teams', 'retirees', 'amateur cyclists', 'dog owners', 'freelance designers',
    'hospital nurses', 'weekend hikers', 'indie game developers',
  ],
  channel: [
    'an Instagram caption', 'a LinkedIn post', 'a product page', 'a newsletter intro',
    'a short email', 'a landing page headline and subheading', 'three ad headlines',
    'a press release opening paragraph', 'a tweet thread of three posts',
  ],
  tone: ['friendly', 'professional', 'playful', 'warm', 'confident', 'calm', 'upbeat', 'formal'],
  brand: [
    'Northwind', 'Bluebird Coffee', 'Lumen Labs', 'Greenleaf', 'Harbor & Co', 'Pixel Forge',
    'Maple Street Bakery', 'Atlas Outdoor', 'Brightside Dental', 'Riverbend Books',
  ],
  subject: [
    'photosynthesis', 'the French Revolution', 'compound interest', 'the Pythagorean theorem',
    'plate tectonics', 'supply and demand', 'the water cycle', 'Newton second law',
    'the causes of World War One', 'how vaccines train the immune system', 'binary numbers',
    'the structure of DNA', 'irony in literature', 'the electoral college', 'osmosis',
    'prime factorization', 'the Renaissance', 'climate feedback loops', 'Shakespeare sonnets',
  ],
  grade: ['fifth grader', 'middle school student', 'high school junior', 'first-year student'],
  meetingTopic: [
    'the quarterly roadmap', 'the office move', 'the hiring plan', 'the website redesign',
    'the budget review', 'the vendor contract renewal', 'the customer survey results',
    'the launch checklist', 'the onboarding process', 'the incident postmortem',
  ],
  decision: [
    'we agreed to push the release by one week', 'the design team will own the new style guide',
    'finance will send revised numbers on Friday', 'we will pilot the tool with two teams first',
    'the survey goes out to all customers next month', 'we keep the current vendor for a year',
    'Ines takes over the migration', 'we need one more backend engineer',
    'support hours stay the same over the holidays', 'the old dashboard is retired in March',
  ],
  action: [
    'Tom drafts the announcement', 'Aiko books the meeting rooms', 'Ravi checks the contract',
    'Grace collects feedback from sales', 'Lucas updates the timeline', 'Sara writes the FAQ',
    'Daniel prepares the demo', 'Elena reviews the budget', 'Omar talks to the landlord',
  ],
  dish: [
    'lentil soup', 'vegetable lasagna', 'chicken curry', 'banana bread', 'shakshuka',
    'mushroom risotto', 'fish tacos', 'pad thai', 'overnight oats', 'tomato tart',
    'chili con carne', 'apple crumble', 'falafel wraps', 'miso ramen',
  ],
  ingredient: [
    'spinach', 'chickpeas', 'leftover rice', 'sweet potatoes', 'greek yogurt', 'feta',
    'zucchini', 'eggs', 'canned tomatoes', 'tofu', 'ground beef', 'quinoa', 'oat milk',
  ],
  diet: ['vegetarian', 'vegan', 'gluten-free', 'dairy-free', 'low-sodium', 'nut-free'],
  role: [
    'senior data analyst', 'customer success manager', 'frontend engineer', 'warehouse lead',
    'marketing coordinator', 'registered nurse', 'product designer', 'sales development rep',
    'site reliability engineer', 'bookkeeper', 'content strategist', 'school librarian',
  ],
  skill: [
    'stakeholder communication', 'SQL', 'forklift certification', 'Figma', 'conflict resolution',
    'budget planning', 'incident response', 'copywriting', 'Excel', 'people management',
  ],
  phrase: [
    'Where is the nearest train station?', 'Thank you for your patience while we fix this.',
    'The meeting has been moved to Thursday afternoon.',
    'Please find the signed contract attached.', 'Our store opens at nine on weekdays.',
    'Could you send me the invoice again?', 'We are happy to welcome you to the team.',
    'The package will arrive within three business days.',
    'Remember to bring a reusable bag to the market.', 'I would like to book a table for four.',
    'Your subscription renews on the first of the month.',
    'The museum is closed on public holidays.',
  ],
  targetLanguage: [
    'Spanish', 'French', 'German', 'Japanese', 'Portuguese', 'Italian', 'Korean', 'Dutch',
    'Polish', 'Turkish', 'Swedish', 'Vietnamese',
  ],
  reviewText: [
    'the battery lasts two days and the screen is sharp, but the strap feels cheap',
    'delivery was quick and the fabric is soft, though it shrank a bit after washing',
    'setup took five minutes and it has been reliable every morning since',
    'it looks great on the desk but the light is too cold for reading at night',
    'the handle got loose after a month and support never answered my email',
    'good value for the price, the lid fits well and nothing leaks in my bag',
    'louder than I expected, my neighbours complained the first evening',
    'the instructions were confusing and one screw was missing from the box',
    'comfortable for long walks and the grip is excellent on wet stone',
    'works as described, nothing special, I would probably buy it again on sale',
  ],
  invoiceLine: [
    '3 x printer toner at 42.50 each', '12 hours of consulting at 95 per hour',
    'annual software license 1,200', '2 x ergonomic chairs at 310 each',
    'shipping and handling 18.90', '40 boxes of copy paper at 6.25 each',
    'cloud hosting for March 274.10', 'catering for 25 people 540',
  ],
  month: ['January', 'February', 'March', 'April', 'May', 'June', 'September', 'October'],
  number: ['two', 'three', 'four', 'five', 'six', 'seven', 'ten'],
}

/** A sentence or two of a use case's user message, by what the user wants. */
const TEMPLATES: Readonly<Record<UseCase, readonly string[]>> = {
  support: [
    'Hi, I ordered a {color} {product} on {day} and it arrived {problem}. Could I get {remedy}?',
    'My {product} came {problem}. What are my options? I would prefer {remedy} if possible.',
    'Hello, how long does a refund usually take after I send the {product} back?',
    'I want to change the delivery address on my order for the {product}. Is it too late?',
    'The {product} I bought {day} stopped working. Is it still under warranty and how do I claim it?',
    'Can you explain the difference between the standard and the express shipping options?',
    'I was charged twice for the same {product}. Please help me sort this out.',
    'Do you ship to {city}, and how much would customs add for a {product}?',
    'The tracking page for my {product} has not updated since {day}. Where is my parcel?',
    'Is there a way to cancel the subscription before the next renewal without a fee?',
    'Write a polite reply to a customer whose {product} arrived {problem}, offering {remedy}.',
  ],
  code: [
    'How do I {codeTask} in {language}? A short example would help.',
    'I keep getting {error} when I run my {framework} app locally. What should I check first?',
    'Review this approach: I want to {codeTask} using {framework}. Is there a simpler way?',
    'What is the idiomatic way to {codeTask} in {language}, and what are the pitfalls?',
    'Explain why {error} happens in {language} and how to avoid it in production.',
    'Write a {language} function to {codeTask}, with comments explaining each step.',
    'Our {framework} service returns {error} under load. How would you debug it?',
    'Convert this snippet from {language} to {language}: a loop that needs to {codeTask}.',
    'What are good tests to write for code that needs to {codeTask}?',
    'Suggest a folder structure for a small {framework} project with {number} modules.',
  ],
  marketing: [
    'Write {channel} for our new {product} aimed at {audience}. Keep it {tone}.',
    'Give me {number} taglines for {brand}, a company that sells {product}s to {audience}.',
    'Rewrite this in a {tone} tone for {audience}: our {product} saves time every morning.',
    'Draft {channel} announcing that {brand} is opening a new store in {city}.',
    'What are {number} content ideas for {brand} to reach {audience} this {month}?',
    'Write a short product description for a {color} {product}, {tone} and under 80 words.',
    'Create {channel} for a {month} sale at {brand}, mentioning free shipping over fifty dollars.',
    'Suggest subject lines for a newsletter from {brand} to {audience} about our {product}.',
  ],
  summarize: [
    'Summarize these meeting notes about {meetingTopic} in {number} bullet points: {decision}; {action}; {decision}; {action}.',
    'Turn these notes into an email to the team: {decision}. {action}. {decision}. Next check-in on {day}.',
    'Give me the action items from this discussion of {meetingTopic}: {action}, {action}, and {decision}.',
    'Write a one-paragraph summary for executives: the review of {meetingTopic} found that {decision}, and {action}.',
    'What decisions were made here? Notes on {meetingTopic}: {decision}. {decision}. {action}.',
    'Shorten this update to two sentences: {decision}, {action}, and {decision}.',
  ],
  tutor: [
    'Explain {subject} to a {grade} with a simple example.',
    'Can you give me {number} practice questions about {subject} with answers?',
    'I do not understand {subject}. Can you explain it step by step?',
    'What is a good way to remember the main ideas of {subject} for an exam?',
    'Compare {subject} and {subject} in a short table for a {grade}.',
    'Write a short quiz on {subject} for a {grade}, with {number} multiple-choice questions.',
    'How would you explain {subject} using an everyday analogy?',
  ],
  travel: [
    'Plan a {number}-day trip to {city} in {month} for a couple who likes food and museums.',
    'What should I pack for a week in {city} in {month}?',
    'Suggest a walking route through {city} that takes about three hours.',
    'Is {city} or {city} better for a family trip with young kids in {month}?',
    'What are some local dishes I should try in {city}, and where do locals eat?',
    'How do I get from the airport to the city center in {city} on a budget?',
    'Write a short itinerary for a rainy day in {city}.',
  ],
  extract: [
    'Classify the sentiment of this review as positive, negative or mixed, and give one reason: "{reviewText}."',
    'Extract the product, the complaint and the requested remedy as JSON from this message: "My {product} arrived {problem}, I would like {remedy}."',
    'List the line items and the total from this invoice text: {invoiceLine}; {invoiceLine}; {invoiceLine}.',
    'Tag this review with up to three topics from quality, price, delivery, support, design: "{reviewText}."',
    'Does this review mention delivery? Answer yes or no, then quote the part: "{reviewText}."',
    'Summarize this customer review in ten words: "{reviewText}."',
  ],
  recruiting: [
    'Write a job description for a {role} who is strong in {skill} and {skill}.',
    'Give me {number} interview questions for a {role}, focused on {skill}.',
    'Draft a friendly rejection email to a candidate for the {role} position.',
    'What should a 30-60-90 day plan look like for a new {role}?',
    'Rewrite this job ad to be more inclusive: we need a {role} with {skill} experience.',
    'Suggest a structured scorecard to compare candidates for a {role}.',
  ],
  translate: [
    'Translate into {targetLanguage}: "{phrase}"',
    'How would I say "{phrase}" in {targetLanguage}, formally and informally?',
    'Translate this to {targetLanguage} and explain any tricky words: "{phrase}"',
    'Check my {targetLanguage} translation of "{phrase}" and correct any mistakes.',
  ],
  cooking: [
    'Give me a {diet} recipe for {dish} that serves {number}.',
    'What can I cook tonight with {ingredient}, {ingredient} and {ingredient}?',
    'How do I make {dish} ahead of time and keep it fresh for the week?',
    'Suggest a {diet} weekly meal plan with {dish} on one of the days.',
    'My {dish} always comes out too dry. What am I doing wrong?',
    'Can I replace {ingredient} with {ingredient} in {dish}?',
  ],
}

/** What people say about their situation before or after the request: it varies the most. */
const CONTEXT: Readonly<Record<UseCase, readonly string[]>> = {
  support: [
    'I have been a customer for {number} years and this is the first time something like this happened.',
    'The box looked fine from the outside, so I only noticed when I opened it on {day}.',
    'I already sent a message through the contact form but nobody answered.',
    'It was meant as a birthday present for {first}, so the timing matters to me.',
    'I paid with a gift card and part of it with my credit card, if that makes a difference.',
    'The {product} itself is great, it is only the delivery that went wrong.',
    'I live in {city}, in case the return address is different for my region.',
    'Your chat assistant told me to wait {number} days, and it has been longer than that.',
    'I also ordered a {color} {product} in the same order and that one was fine.',
    'I would rather not pay for the return shipping, since the problem was not mine.',
  ],
  code: [
    'It works on my laptop but fails in the CI pipeline.',
    'We are on {framework} with {language} and cannot upgrade this quarter.',
    'The data set is about {number} million rows, so memory matters.',
    'I tried adding more logging but nothing useful shows up before the crash.',
    'A colleague suggested using {framework} for this, but I am not sure it fits.',
    'The code runs inside a container with very little memory.',
    'This started after we upgraded a dependency on {day}.',
    'I would like to keep it readable for junior developers on the team.',
    'Performance is fine for small inputs but gets slow after a few thousand items.',
    'We need to support both the old and the new API for a while.',
  ],
  marketing: [
    'Our last campaign got good clicks but few sign-ups.',
    'The brand voice is {tone} but never pushy.',
    'We are launching in {city} first and then nationwide in {month}.',
    'Our customers are mostly {audience}, and they care about price.',
    'Avoid words like revolutionary or game-changing, our legal team dislikes them.',
    'The budget is small, so organic reach matters more than ads.',
    'Competitors mostly talk about speed; we want to talk about reliability.',
    'We have {number} customer quotes we could reuse if that helps.',
  ],
  summarize: [
    'The meeting ran long and people talked over each other.',
    'The audience is the leadership team, who did not attend.',
    '{first} took the notes, so some parts are very short.',
    'Please keep names, they matter for follow-up.',
    'There was some disagreement about the timeline that should be mentioned.',
    'We meet again on {day} to review progress.',
    'Ignore the small talk at the beginning of the notes.',
  ],
  tutor: [
    'I have an exam on {day} and I keep mixing things up.',
    'My teacher explained it but went too fast for me.',
    'I learn better with pictures or examples from real life.',
    'English is my second language, so please use simple words.',
    'I understand the basics but the harder questions confuse me.',
    'We covered {subject} last week, in case that is related.',
    'I am helping my kid, who is a {grade}, and I forgot most of this.',
  ],
  travel: [
    'We are two adults and a teenager who loves {subject}.',
    'We do not want to rent a car, so public transport is important.',
    'Our budget is moderate; we prefer small hotels to big chains.',
    'One of us is {diet}, so food options matter.',
    'We have been to {city} before and loved the markets.',
    'We arrive late in the evening on {day}.',
    'I get tired easily, so not too much walking per day please.',
  ],
  extract: [
    'Return valid JSON only, without commentary.',
    'If a field is missing, use null.',
    'This is one of {number} thousand records we process every night.',
    'The text may contain typos; do your best.',
    'Use lowercase labels.',
  ],
  recruiting: [
    'The team is fully remote across {number} time zones.',
    'We want to attract candidates from non-traditional backgrounds.',
    'The salary range is fixed and will be in the posting.',
    'The hiring manager is {first} {last}, who cares a lot about teamwork.',
    'We had too many unqualified applicants last time.',
    'The role reports to the head of operations in {city}.',
  ],
  translate: [
    'It is for a sign in our shop in {city}.',
    'The reader is a customer, so it should be polite.',
    'I am not a native speaker, so explain if something sounds odd.',
    'It goes into an email to our partner company.',
    'Please keep it natural rather than word for word.',
  ],
  cooking: [
    'I only have one pot and an oven.',
    'My kids are picky and do not like spicy food.',
    'I am cooking for {number} people on {day}.',
    'I want to use up the {ingredient} before it goes bad.',
    'I have about forty minutes after work.',
    'My partner is {diet}, so please keep that in mind.',
    'We do not own a blender or a food processor.',
  ],
}

/** Follow-up lines people add: a constraint, a deadline, thanks. */
const EXTRAS: readonly string[] = [
  'Thanks in advance!',
  'Please keep it short.',
  'I need this by the end of the day.',
  'It is for {audience}, so avoid jargon.',
  'I already tried searching but the answers were confusing.',
  'We are a small team of {number} people.',
  'Please use British spelling.',
  'A bulleted list is fine.',
  'My manager asked for this before the meeting on {day}.',
  'Last time the answer was too long, so please be concise.',
  'Context: we are based in {city}.',
  'Assume I know the basics already.',
  'If something is unclear, make a reasonable assumption and say so.',
]

/** Personal details some users paste in: what the PII classifier flags, as it would in life. */
const PERSONAL: readonly string[] = [
  'You can reach me at {first}.{last}@gmail.com.',
  'My email is {first}{last}{number}@outlook.com in case you need it.',
  'Please call me back at (415) 867-5309.',
  'My phone number is {(312) 682-4417|(646) 201-8833|(206) 934-1170}.',
]

const SYSTEM_PROMPTS: Readonly<Record<UseCase, string>> = {
  support:
    'You are the support assistant of an online store. Be polite, accurate and brief, and never promise refunds the policy does not allow.',
  code: 'You are a careful senior engineer. Answer with working code and explain trade-offs briefly.',
  marketing: 'You write clear, honest marketing copy. Avoid exaggerated claims.',
  summarize: 'You summarize workplace notes faithfully and concisely.',
  tutor: 'You are a patient tutor. Explain step by step and check understanding.',
  travel: 'You are a travel planner. Give practical, current-sounding advice.',
  extract: 'You extract structured information. Answer only with what is asked.',
  recruiting: 'You help recruiters write fair, inclusive and specific hiring material.',
  translate: 'You are a professional translator. Keep meaning and register.',
  cooking: 'You are a home cooking assistant. Give clear quantities and steps.',
}

/** The system prompt of an application of this use case. */
export function systemPromptOf(useCase: UseCase): string {
  return SYSTEM_PROMPTS[useCase]
}

/** What a normal application's user writes, as the messages of one request. */
export function writeNormalPrompt(
  useCase: UseCase,
  random: Random,
  options: { readonly personalShare: number },
): ChatMessage[] {
  const head = fillTemplate(random.pick(TEMPLATES[useCase]), WORDS, random)
  const extras: string[] = []
  const context = random.shuffled(CONTEXT[useCase]).slice(0, random.int(0, 2))
  for (const line of context) extras.push(fillTemplate(line, WORDS, random))
  if (random.chance(0.45)) extras.push(fillTemplate(random.pick(EXTRAS), WORDS, random))
  if (random.chance(0.2)) extras.push(fillTemplate(random.pick(EXTRAS), WORDS, random))
  if (random.chance(options.personalShare)) {
    extras.push(fillTemplate(random.pick(PERSONAL), WORDS, random))
  }
  const user = capitalize([head, ...random.shuffled(extras)].join(' '))
  return [
    { role: 'system', content: systemPromptOf(useCase) },
    { role: 'user', content: user },
  ]
}
