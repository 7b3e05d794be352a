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

const PERSONA_OPENERS = oneOf([
  'you are now',
  "you're now",
  'youre now',
  'you are no longer',
  'from now on you',
  'from now on act',
  'act as',
  'acting as',
  'pretend',
  'imagine you',
  'simulate',
  'roleplay as',
  'role play as',
  'respond as',
  'behave as',
  'behave like',
  'become',
  'you will be',
  'play the role of',
  'you have been',
])
const WITHOUT = oneOf([
  'without',
  'with no',
  'no',
  'free of',
  'free from',
  'freed from',
  'released from',
  'unbound by',
  'not bound by',
  'no longer bound by',
  'that ignores',
  'who ignores',
  'which ignores',
  'never been given',
  'never given',
  'never had',
  "doesn't have",
  'does not have',
  "don't have",
  'do not have',
])
const LIMITS = oneOf([
  'restrictions?',
  'filters?',
  'filtering',
  'limits',
  'limitations',
  'guidelines',
  'rules',
  'content polic(?:y|ies)',
  'polic(?:y|ies)',
  'ethics',
  'morals',
  'morality',
  'ethical (?:guidelines|constraints|boundaries|limits|principles)',
  'moral (?:guidelines|constraints|boundaries|limits|principles)',
  'censorship',
  'safeguards',
  'safety (?:measures|guidelines|filters|rules)',
  'boundaries',
])
const FOREIGN_PERSONA = oneOf([
  'tu es maintenant',
  'vous etes maintenant',
  'tu es desormais',
  'ahora eres',
  'eres ahora',
  'a partir de ahora eres',
  'du bist jetzt',
  'du bist nun',
  'du bist ab jetzt',
  'sie sind jetzt',
  'agis comme',
  'actua como',
  'handle als',
])

/** Framings that hand the model a persona without its rules. */
const PERSONA: PhraseRule<InjectionLabel>[] = [
  rule('jailbreak_persona', 0.9, `\\bdo${SEP}anything${SEP}now\\b`, ['anything']),
  rule(
    'jailbreak_persona',
    0.85,
    `\\b(?:you are|you're|act as|be|pretend to be|play|become|called|named|as)${SEP}(?:an?${SEP})?(?:anti${SEP}?)?dan\\b(?!${SEP}(?:brown|smith|jones))`.replaceAll(
      ' ',
      SEP,
    ),
    ['dan'],
  ),
  rule(
    'jailbreak_persona',
    0.8,
    `\\b${oneOf(['jailbreak', 'jailbroken', 'god', 'unrestricted', 'unfiltered', 'uncensored', 'evil', 'opposite', 'chaos', 'amoral', 'no restrictions'])}${SEP}mode\\b`,
    ['mode'],
  ),
  rule(
    'jailbreak_persona',
    0.8,
    `\\b(?:developer|dev|debug)${SEP}mode${SEP}(?:output|response)\\b|\\b(?:in|with)${SEP}(?:developer|dev)${SEP}mode${SEP}(?:you|enabled)\\b|\\b(?:simulate|enable|activate)${SEP}(?:developer|dev)${SEP}mode\\b(?=${gap(8)}(?:chatgpt|gpt|ai|assistant|content|refuse|policy|policies|censor))`,
    ['mode'],
  ),
  startingWith(
    rule(
      'jailbreak_persona',
      0.85,
      `\\b${PERSONA_OPENERS}\\b${gap(5)}${WITHOUT}\\b${gap(3)}${LIMITS}\\b`,
      [
        'restrict',
        'filter',
        'limit',
        'guideline',
        'rule',
        'polic',
        'ethic',
        'moral',
        'censor',
        'safeguard',
        'safety',
        'boundar',
      ],
    ),
    [
      'you',
      'act',
      'pretend',
      'imagine',
      'simulate',
      'role',
      'respond',
      'behave',
      'become',
      'from',
      'play',
    ],
  ),
  startingWith(
    rule(
      'jailbreak_persona',
      0.75,
      `\\b${oneOf(['unfiltered', 'uncensored', 'unrestricted', 'amoral', 'unethical', 'unhinged', 'jailbroken', 'unaligned', 'evil'])}${SEP}(?:and${SEP}[a-z]+${SEP})?${oneOf(['ai', 'chatbot', 'assistant', 'model', 'version of you', 'persona', 'bot', 'character', 'one', 'language model', 'llm', 'gpt'])}\\b`,
      [
        'unfilter',
        'uncensor',
        'unrestrict',
        'amoral',
        'unethical',
        'unhinged',
        'jailbr',
        'unaligned',
        'evil',
      ],
    ),
    [
      'unfilter',
      'uncensor',
      'unrestrict',
      'amoral',
      'unethical',
      'unhinged',
      'jailbr',
      'unaligned',
      'evil',
    ],
  ),
  startingWith(
    rule(
      'jailbreak_persona',
      0.8,
      `\\b(?:no longer|not|never)${SEP}(?:be${SEP})?(?:bound|restricted|limited|constrained)${SEP}by${SEP}(?:any${SEP}|your${SEP}|the${SEP})?(?:openai|anthropic|google|meta|microsoft|content|ethical|safety)?(?:${SEP}?'?s?${SEP})?(?:content${SEP})?${LIMITS}\\b`,
      ['bound', 'restricted', 'limited', 'constrained'],
    ),
    ['no', 'not', 'never'],
  ),
  rule(
    'jailbreak_persona',
    0.85,
    `\\b(?:ignore|bypass|break|violate|disregard)${SEP}(?:all${SEP})?(?:openai|anthropic|google|meta|microsoft)(?:'s|${SEP}s)?${SEP}(?:content${SEP}|usage${SEP}|safety${SEP})?(?:polic(?:y|ies)|rules|guidelines|filters?)\\b`,
    ['openai', 'anthropic', 'google', 'meta', 'microsoft'],
  ),
  startingWith(
    rule(
      'jailbreak_persona',
      0.8,
      `\\byou${SEP}(?:have${SEP}been|are|were|'ve${SEP}been)${SEP}(?:now${SEP})?(?:jailbroken|jailbreaked|unlocked|liberated|freed)\\b`,
      ['jailbr', 'unlocked', 'liberated', 'freed'],
    ),
    ['you'],
  ),
  rule(
    'jailbreak_persona',
    0.5,
    `\\b(?:stay|remain|keep)${SEP}in${SEP}character\\b|\\b(?:never|not allowed to|cannot|can't|must not|will not|won't) refuse\\b`.replaceAll(
      ' ',
      SEP,
    ),
    ['character', 'refuse'],
  ),
  rule(
    'jailbreak_persona',
    0.6,
    `\\b(?:no|without any|without|free of all)${SEP}${oneOf(['ethical', 'moral'])}${SEP}${oneOf(['guidelines', 'constraints', 'restrictions', 'boundaries', 'limits', 'principles', 'considerations'])}\\b`,
    ['ethical', 'moral'],
  ),
  startingWith(
    rule(
      'jailbreak_persona',
      0.85,
      `\\b${FOREIGN_PERSONA}\\b${gap(4)}${oneOf(['sans', 'sin', 'ohne'])}\\b${gap(2)}${oneOf(['restrictions?', 'restricciones', 'limites', 'filtres?', 'filtros?', 'reglas', 'regles', 'einschrankungen', 'grenzen', 'filter', 'regeln', 'zensur', 'censura', 'censure'])}\\b`,
      ['sans', 'sin', 'ohne'],
    ),
    ['tu', 'vous', 'ahora', 'eres', 'du', 'sie', 'agis', 'actua', 'handle'],
  ),
]

const REVEAL_VERBS = oneOf([
  'repeat',
  'print',
  'output',
  'show',
  'reveal',
  'display',
  'write out',
  'write down',
  'tell me',
  'give me',
  'leak',
  'dump',
  'copy',
  'paste',
  'recite',
  'spell out',
  'share',
  'expose',
  'disclose',
  'echo',
  'provide',
  'send me',
])
const SECRET_PROMPT = oneOf([
  'system prompt',
  'system message',
  'system instructions',
  'initial prompt',
  'initial instructions',
  'original prompt',
  'original instructions',
  'hidden prompt',
  'hidden instructions',
  'secret prompt',
  'secret instructions',
  'internal instructions',
  'developer instructions',
  'developer prompt',
  'pre prompt',
  'preprompt',
  'meta prompt',
  'prompt',
  'instructions',
  'guidelines',
  'rules',
  'configuration',
])

/** Requests to show what the application told the model. */
const EXFILTRATION: PhraseRule<InjectionLabel>[] = [
  startingWith(
    rule(
      'prompt_exfiltration',
      0.85,
      `\\b${REVEAL_VERBS}\\b${gap(3)}your${SEP}(?:${oneOf(['full', 'entire', 'complete', 'exact', 'whole', 'original', 'initial', 'hidden', 'secret', 'internal'])}${SEP})*${SECRET_PROMPT}\\b`,
      ['your'],
      ['prompt', 'instruction', 'guideline', 'rule', 'configuration', 'message'],
    ),
    [
      'repeat',
      'print',
      'output',
      'show',
      'reveal',
      'display',
      'write',
      'tell',
      'give',
      'leak',
      'dump',
      'copy',
      'paste',
      'recite',
      'spell',
      'share',
      'expose',
      'disclose',
      'echo',
      'provide',
      'send',
    ],
  ),
  startingWith(
    rule(
      'prompt_exfiltration',
      0.8,
      `\\b${REVEAL_VERBS}\\b${gap(3)}the${SEP}(?:${oneOf(['full', 'entire', 'complete', 'exact', 'whole'])}${SEP})*${oneOf(['system prompt', 'system message', 'hidden prompt', 'hidden instructions', 'initial prompt', 'initial instructions', 'secret prompt', 'developer prompt'])}\\b`,
      ['system', 'hidden', 'initial', 'secret', 'developer'],
    ),
    [
      'repeat',
      'print',
      'output',
      'show',
      'reveal',
      'display',
      'write',
      'tell',
      'give',
      'leak',
      'dump',
      'copy',
      'paste',
      'recite',
      'spell',
      'share',
      'expose',
      'disclose',
      'echo',
      'provide',
      'send',
    ],
  ),
  startingWith(
    rule(
      'prompt_exfiltration',
      0.75,
      `\\b${oneOf(['repeat', 'print', 'output', 'copy', 'show', 'reveal', 'display', 'write', 'return', 'echo', 'translate', 'tell me'])}${SEP}(?:me${SEP})?(?:back${SEP})?(?:all${SEP})?(?:of${SEP})?(?:the${SEP})?${oneOf(['text', 'words', 'everything', 'content', 'messages?', 'instructions', 'lines', 'prompt'])}${SEP}(?:${oneOf(['above', 'above this line', 'before this', 'before my message', 'that came before', 'that came before this', 'preceding', 'prior to this', 'you were given', 'you received'])})(?:[.,;:!)"']|${SEP}(?:and|then|in|into|inside|starting|including|verbatim|word|exactly|as)\\b|$)`,
      ['above', 'before', 'preceding', 'prior', 'came', 'given', 'received'],
    ),
    [
      'repeat',
      'print',
      'output',
      'copy',
      'show',
      'reveal',
      'display',
      'write',
      'return',
      'echo',
      'translate',
      'tell',
    ],
  ),
  rule(
    'prompt_exfiltration',
    0.85,
    `\\bwhat${SEP}(?:is|are|was|were|'s)${SEP}your${SEP}(?:${oneOf(['full', 'exact', 'original', 'initial', 'hidden', 'secret', 'internal', 'actual'])}${SEP})*${oneOf(['system prompt', 'system message', 'system instructions', 'initial instructions', 'original instructions', 'instructions', 'hidden instructions', 'prompt', 'initial prompt', 'pre prompt', 'preprompt', 'meta prompt'])}\\b`,
    ['what'],
    ['your'],
  ),
  rule(
    'prompt_exfiltration',
    0.6,
    `\\b(?:start|begin|starting|beginning)${SEP}(?:your${SEP}(?:reply|answer|response)${SEP})?with${SEP}(?:you${SEP}are|the${SEP}system|my${SEP}instructions)\\b`,
    ['start', 'begin'],
  ),
  startingWith(
    rule(
      'prompt_exfiltration',
      0.85,
      `\\b${oneOf(['muestra', 'muestrame', 'dime', 'revela', 'repite', 'imprime', 'ensename', 'escribe'])}\\b${gap(2)}${oneOf(['tus instrucciones', 'tu prompt', 'el prompt del sistema', 'las instrucciones del sistema', 'tus instrucciones del sistema', 'tu mensaje del sistema'])}\\b`,
      ['instrucciones', 'prompt', 'mensaje'],
    ),
    ['muestra', 'dime', 'revela', 'repite', 'imprime', 'ensename', 'escribe'],
  ),
  startingWith(
    rule(
      'prompt_exfiltration',
      0.85,
      `\\b${oneOf(['montre', 'montrez', 'affiche', 'affichez', 'repete', 'repetez', 'revele', 'revelez', 'donne', 'donnez', 'ecris', 'ecrivez'])}\\b${gap(2)}${oneOf(['tes instructions', 'vos instructions', 'ton prompt', 'votre prompt', 'tes consignes', 'vos consignes', 'le prompt systeme', 'ton prompt systeme', 'votre prompt systeme'])}\\b`,
      ['instructions', 'prompt', 'consignes'],
    ),
    ['montre', 'affiche', 'repete', 'revele', 'donne', 'ecri'],
  ),
  startingWith(
    rule(
      'prompt_exfiltration',
      0.85,
      `\\b${oneOf(['zeige', 'zeig', 'nenne', 'wiederhole', 'gib', 'verrate', 'schreibe', 'drucke'])}\\b${gap(2)}${oneOf(['deinen systemprompt', 'deinen system prompt', 'deine anweisungen', 'deine instruktionen', 'den systemprompt', 'deine systemanweisungen', 'deinen prompt'])}\\b`,
      ['prompt', 'anweisungen', 'instruktionen'],
    ),
    ['zeig', 'nenne', 'wiederhole', 'gib', 'verrate', 'schreibe', 'drucke'],
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
