import { EXFILTRATION } from './injection-exfiltration-phrases.js'
import { PERSONA } from './injection-persona-phrases.js'
import { gap, oneOf, rule, SEP, startingWith, WORD, type PhraseRule } from './phrase-rules.js'

/**
 * The phrases of prompt injection, over folded text (lower case, diacritics stripped, leet and
 * spaced letters joined): what the injection classifier looks for in a text, and again in what a
 * text decodes to. Written for this project from the published attack families (instruction
 * override, persona jailbreaks, prompt exfiltration), in English, Spanish, French and German.
 *
 * Scores: 0.85–0.95 a phrase that has no benign reading in a prompt; 0.6–0.8 one that is an
 * attack in most prompts; below 0.5 a hint that counts only beside another.
 */

export const INJECTION_LABELS = [
  'instruction_override',
  'jailbreak_persona',
  'prompt_exfiltration',
  'encoded_payload',
  'split_payload',
] as const
/** The technique an injection finding names. */
export type InjectionLabel = (typeof INJECTION_LABELS)[number]

const OVERRIDE_VERBS = oneOf([
  'ignore',
  'ignoring',
  'disregard',
  'disregarding',
  'forget',
  'override',
  'overwrite',
  'bypass',
  'skip',
  'discard',
  'abandon',
  'neglect',
  'set aside',
  'throw away',
  'do not follow',
  "don't follow",
  'dont follow',
  'stop following',
  'no longer follow',
  'do not obey',
  "don't obey",
  'stop obeying',
])
/** Words that point at the instructions already given: the part an override needs. */
const EARLIER = oneOf([
  'previous',
  'previously',
  'prior',
  'above',
  'earlier',
  'preceding',
  'initial',
  'original',
  'old',
  'existing',
  'system',
  'all',
  'any',
  'your',
  'these',
  'default',
  'developer',
  'every',
  'those',
])
const INSTRUCTIONS = oneOf([
  'instructions?',
  'prompts?',
  'rules',
  'directions',
  'directives',
  'guidelines',
  'guidance',
  'context',
  'commands',
  'programming',
  'constraints',
  'restrictions',
  'orders',
  'training',
  'system messages?',
  'policies',
  'policy',
])

/** Phrases that put the speaker in place of the application's own instructions. */
const OVERRIDE: PhraseRule<InjectionLabel>[] = [
  startingWith(
    rule(
      'instruction_override',
      0.9,
      `\\b${OVERRIDE_VERBS}\\b${gap(3)}${EARLIER}\\b${gap(2)}${INSTRUCTIONS}\\b`,
      [
        'ignor',
        'disregard',
        'forget',
        'overrid',
        'overwrit',
        'bypass',
        'skip',
        'discard',
        'abandon',
        'neglect',
        'aside',
        'throw',
        'follow',
        'obey',
      ],
    ),
    [
      'ignor',
      'disregard',
      'forget',
      'overrid',
      'overwrit',
      'bypass',
      'skip',
      'discard',
      'abandon',
      'neglect',
      'set',
      'throw',
      'do',
      'don',
      'stop',
      'no',
    ],
  ),
  // "ignore the above." / "ignore all previous and…": the noun left out, the clause ended.
  rule(
    'instruction_override',
    0.8,
    `\\b(?:ignore|disregard|forget)${SEP}(?:all${SEP})?(?:of${SEP})?(?:the${SEP})?(?:above|previous|prior|preceding|earlier)(?:${SEP}(?:text|messages?|content))?(?:[.,;:!)"]|${SEP}(?:and|then|instead)\\b|$)`,
    ['ignore', 'disregard', 'forget'],
  ),
  rule(
    'instruction_override',
    0.85,
    `\\b(?:forget|ignore|disregard)${SEP}(?:about${SEP})?(?:everything|all|anything)${SEP}(?:that${SEP})?(?:you${SEP})?(?:were|have been|was|'ve been|had been|ve been)${SEP}(?:told|given|taught|instructed|trained|programmed)\\b`.replaceAll(
      ' ',
      SEP,
    ),
    ['forget', 'ignore', 'disregard'],
  ),
  startingWith(
    rule(
      'instruction_override',
      0.85,
      `\\b${oneOf(['previous', 'prior', 'earlier', 'above', 'preceding', 'original', 'old', 'system'])}${SEP}${INSTRUCTIONS}${SEP}(?:are|is)${SEP}(?:now${SEP})?${oneOf(['void', 'cancell?ed', 'revoked', 'obsolete', 'invalid', 'null', 'overridden', 'no longer valid', 'lifted', 'suspended', 'disabled'])}\\b`,
      [
        'void',
        'cancel',
        'revoked',
        'obsolete',
        'invalid',
        'null',
        'overridden',
        'no longer',
        'lifted',
        'suspended',
        'disabled',
      ],
    ),
    ['previous', 'prior', 'earlier', 'above', 'preceding', 'original', 'old', 'system'],
  ),
  rule(
    'instruction_override',
    0.75,
    `\\b${oneOf(['system', 'admin', 'administrator', 'developer', 'root', 'security'])}${SEP}(?:override|overwrite)\\b`,
    ['overrid', 'overwrit'],
  ),
  rule(
    'instruction_override',
    0.6,
    `\\byour${SEP}(?:new|real|actual|true)${SEP}(?:instructions|task|rules|directive|objective|goal|purpose)${SEP}(?:are|is)\\b`,
    ['your'],
  ),
  rule(
    'instruction_override',
    0.45,
    `\\b(?:from now on|starting now|henceforth)${SEP}you${SEP}(?:will|must|shall|are|answer|respond|reply)\\b`.replaceAll(
      ' ',
      SEP,
    ),
    ['now', 'henceforth'],
  ),
  // Indirect injection: text a model reads (a page, a document) turning it against its user.
  rule(
    'instruction_override',
    0.8,
    `\\b(?:ignore|disregard)${SEP}(?:the${SEP})?(?:user'?s?|user's)${SEP}(?:${WORD}${SEP})?(?:request|question|instructions|message|query|prompt)\\b`,
    ['ignore', 'disregard'],
  ),
  // Spanish, French and German.
  startingWith(
    rule(
      'instruction_override',
      0.85,
      `\\b${oneOf(['ignora', 'ignore', 'ignoren', 'olvida', 'olvide', 'olviden', 'descarta', 'omite', 'no sigas', 'no obedezcas', 'haz caso omiso de'])}\\b${gap(3)}${oneOf(['instrucciones', 'indicaciones', 'reglas', 'ordenes', 'directrices', 'restricciones', 'consignas'])}\\b`,
      ['ignor', 'olvid', 'descarta', 'omite', 'no sigas', 'no obedezcas', 'caso omiso'],
    ),
    ['ignor', 'olvid', 'descarta', 'omite', 'no', 'haz'],
  ),
  startingWith(
    rule(
      'instruction_override',
      0.85,
      // A French determiner after the verb: "ignore" alone is also English ("ignore its instructions").
      `\\b(?:${oneOf(['ignore', 'ignorez', 'ignorer', 'oublie', 'oubliez', 'oublier'])}${SEP}(?:toutes${SEP}|tous${SEP})?${oneOf(['les', 'tes', 'vos', 'ces', 'mes', 'la', 'ta', 'votre'])}|${oneOf(['ne tiens pas compte', 'ne tenez pas compte', 'ne suis plus', 'ne suivez plus'])})\\b${gap(3)}${oneOf(['instructions', 'consignes', 'regles', 'directives', 'indications', 'restrictions'])}\\b`,
      ['ignor', 'oubli', 'tiens pas', 'tenez pas', 'suis plus', 'suivez plus'],
    ),
    ['ignor', 'oubli', 'ne'],
  ),
  startingWith(
    rule(
      'instruction_override',
      0.85,
      `\\b${oneOf(['ignoriere', 'ignorieren', 'ignorier', 'vergiss', 'vergessen sie', 'missachte', 'missachten sie', 'befolge nicht', 'befolgen sie nicht'])}\\b${gap(3)}${oneOf(['anweisungen', 'instruktionen', 'regeln', 'vorgaben', 'befehle', 'richtlinien', 'einschrankungen', 'anordnungen', 'systemanweisungen'])}\\b`,
      ['ignorier', 'vergiss', 'vergessen', 'missacht', 'befolge'],
    ),
    ['ignorier', 'vergiss', 'vergessen', 'missacht', 'befolge'],
  ),
]

/** Asking for a payload to be decoded and obeyed, whatever the payload. */
const DECODE_AND_OBEY: PhraseRule<InjectionLabel>[] = [
  rule(
    'encoded_payload',
    0.6,
    `\\b(?:decode|decipher|unscramble|reverse|base64 decode|rot13 decode)\\b${gap(5)}(?:and|then)${SEP}(?:do|follow|execute|obey|run|carry out|act on|apply|perform)${SEP}(?:it|what|the|those|these|them|its)\\b`.replaceAll(
      ' ',
      SEP,
    ),
    ['decod', 'deciph', 'unscrambl', 'revers'],
  ),
]

/** Every phrase rule, in the order findings are reported. */
export const INJECTION_RULES: readonly PhraseRule<InjectionLabel>[] = [
  ...OVERRIDE,
  ...PERSONA,
  ...EXFILTRATION,
  ...DECODE_AND_OBEY,
]

/**
 * Attacks with every separator taken out ("i g n o r e a l l p r e v i o u s…" joined, or a
 * phrase broken across messages mid-word), matched on letters alone. Only long, specific phrases:
 * without word boundaries a short one would turn up inside ordinary words.
 */
export const COMPACT_RULES: readonly {
  readonly rule: PhraseRule<InjectionLabel>
  /** Letters the rule cannot match without, in groups, as {@link PhraseRule.cues}. */
  readonly needs: readonly (readonly string[])[]
}[] = [
  {
    rule: rule(
      'instruction_override',
      0.8,
      '(?:ignore|disregard|forget|override|bypass)(?:all|any|of|the|your)*(?:previous|prior|above|earlier|preceding|system|initial|original)(?:instructions?|prompts?|rules|directions|directives|guidelines|messages?)',
    ),
    needs: [['ignore', 'disregard', 'forget', 'override', 'bypass']],
  },
  {
    rule: rule(
      'instruction_override',
      0.8,
      '(?:ignore|disregard|forget)(?:all|any|of|the)*(?:your)(?:instructions|rules|guidelines|programming|directives)',
    ),
    needs: [['ignore', 'disregard', 'forget']],
  },
  {
    rule: rule(
      'jailbreak_persona',
      0.8,
      '(?:youarenow|actas|pretendtobe|pretendyouare)(?:an?)?(?:ai|assistant|chatbot|model|bot)?(?:without|withno|thathasno|freeof)(?:any)?(?:restrictions|filters|rules|limits|limitations|guidelines|censorship)',
    ),
    needs: [
      ['youarenow', 'actas', 'pretend'],
      ['restrictions', 'filters', 'rules', 'limits', 'guidelines', 'censorship'],
    ],
  },
  { rule: rule('jailbreak_persona', 0.85, 'doanythingnow'), needs: [['doanythingnow']] },
  {
    rule: rule(
      'prompt_exfiltration',
      0.8,
      'whatisyour(?:system|initial|hidden|original)(?:prompt|instructions|message)|(?:print|reveal|show|repeat|output|tellme)(?:me)?your(?:full|entire|exact)?(?:systemprompt|systemmessage|instructions|initialinstructions|hiddenprompt)',
    ),
    needs: [
      [
        'yoursystem',
        'yourinitial',
        'yourhidden',
        'yourorig',
        'yourinstructions',
        'yourfull',
        'yourentire',
        'yourexact',
      ],
    ],
  },
]

/**
 * Words of the rules above as rot13 spells them: two or more in a text are worth decoding it.
 * ("vtaber" is "ignore", "vafgehpgvbaf" "instructions"…)
 */
export const ROT13_HINTS = [
  'vtaber',
  'qvfertneq',
  'sbetrg',
  'bireevqr',
  'cerivbhf',
  'cevbe',
  'vafgehpgvbaf',
  'flfgrz',
  'cebzcg',
  'cevag',
  'erirny',
  'ehyrf',
  'erfgevpgvbaf',
  'lbhe',
  'cergraq',
  'qna',
]
