/**
 * Word classes for the text harm classifier's features: hand-made lists of what a harmful verb
 * may act on. "Kill a process", "kill the weeds" and "kill my neighbour" share the verb; what
 * tells them apart is the kind of thing named after it. A model that learns "kill … a person" and
 * "kill … a program" from a few written examples of each applies them to every word of the class,
 * including those its training data never paired with the verb (see `text-features.ts`).
 *
 * Words are in the normalised form the features see (lower case, no diacritics). A plural is
 * found through its singular (`weeds` → `weed`, `flies` → ``), so lists name singulars.
 */

/** A class of words, and the words in it. */
interface WordClass {
  readonly name: string
  readonly words: string
}

const CLASSES: readonly WordClass[] = [
  {
    // People a harmful request may be aimed at: pronouns, relations, roles, groups.
    name: 'person',
    words: `someone somebody anyone anybody everyone everybody him her them person people human
      man men woman women guy lady gentleman girl boy kid child children baby infant toddler teen
      teenager minor adult wife husband spouse partner girlfriend boyfriend fiance fiancee ex mom
      mum mother dad father parent son daughter brother sister sibling cousin uncle aunt niece
      nephew grandma grandmother grandpa grandfather grandparent stepdad stepmom stepfather
      stepmother stepson stepdaughter family relative neighbor neighbour roommate flatmate
      coworker colleague classmate schoolmate manager employer employee worker staff teacher
      student pupil professor principal coach friend stranger officer cop police policeman
      policewoman sheriff guard president senator mayor governor minister politician judge
      lawyer witness victim hostage prisoner inmate crowd protester demonstrator civilian
      passenger pedestrian customer client patient doctor nurse landlord tenant soldier
      journalist reporter celebrity influencer streamer rival enemy bully teammate homeless
      immigrant refugee foreigner jew muslim christian catholic hindu sikh buddhist atheist
              gay lesbian transgender
      bisexual disabled elderly`,
  },
  {
    // Animals people keep or meet: harming them is violence, unlike pests.
    name: 'animal',
    words: `dog puppy cat kitten pet horse pony hamster rabbit bunny parrot bird cow pig goat sheep
      donkey animal squirrel deer duck swan`,
  },
  {
    // Software and machines: what one kills, terminates, executes or shoots down in computing.
    name: 'machine',
    words: `process program thread job task container pod server session query app application tab
      browser loop script command function service daemon instance connection branch commit
      build cache log file folder directory database table bug code terminal window computer
      laptop kernel port request transaction feature flag deployment cluster vm docker git
      sql python java javascript linux ubuntu windows mac excel api test cell column row
      spreadsheet website site page engine motor machine device printer battery
      software update install installation system pipeline workflow migration job cron
      signal socket stream tcp pid pids node npm rebase merge`,
  },
  {
    // Pests, weeds and microbes: safe targets of killing, poisoning and exterminating.
    name: 'pest',
    words: `weed mosquito bug insect ant roach cockroach termite flea tick louse lice mite aphid slug
      snail wasp hornet gnat moth mold mould mildew fungus fungi moss algae bacterium bacteria
      germ microbe mouse mice rat rodent mole gopher vole grub caterpillar worm pest spider
      beetle weevil stump grass crabgrass clover dandelion ivy knotweed bamboo vine shrub
      bush hedge lawn garden tree yeast infection cancer tumor tumour cell odor odour
      smell stain rust lichen larva larvae maggot locust silverfish earwig bedbug`,
  },
  {
    // Food and cooking: beaten, whipped, crushed, butchered and smoked in kitchens.
    name: 'food',
    words: `egg cream butter dough batter onion garlic steak meat beef pork lamb fish salmon tuna
      trout lobster crab shrimp potato tomato mango sauce dish cake bread pizza coffee tea 
      sugar flour cheese chocolate vegetable fruit apple lemon chili spiciness
      flavor flavour brisket turkey rib soup salad pasta rice bean nut herb cilantro recipe
      meal dinner lunch breakfast snack cookie pie`,
  },
  {
    // Time, work and plans: what one kills, executes, crushes or attacks figuratively.
    name: 'abstract',
    words: `time deadline plan project idea deal contract lease competition competitor presentation
      interview exam test quiz meeting problem habit fear procrastination boredom stress mood
      silence conversation craving hunger thirst budget cost expense debt price goal record
      score level career business strategy campaign launch sale sales quota
      audition speech performance essay paper report homework assignment workout traffic 
      lag heat cold flu headache hiccup insomnia anxiety nerves doubt rumor rumour momentum
      vibe buzz deadline policy proposal motion agenda subscription membership 
      order trade shift routine diet`,
  },
  {
    // Games, sport and fiction: contexts in which killing and shooting are play or story.
    name: 'play',
    words: `game gaming videogame minecraft fortnite roblox skyrim zelda pokemon gta halo overwatch
      valorant warzone pubg dota tekken chess poker level quest character npc mob raid
      dungeon campaign player match tournament team league football soccer basketball
      baseball golf tennis hockey volleyball badminton ball goal puck hoop novel story book
      screenplay movie film fiction chapter scene villain hero episode series show plot
      comic manga anime play stage actor actress role dnd d&d tabletop lego sims zombie dragon
      vampire werewolf monster alien creeper orc goblin`,
  },
  {
    // Pictures and sound: what one shoots, blows up, captures or drowns out.
    name: 'media',
    words: `photo photograph picture pic image selfie portrait landscape video footage 
      camera lens music song noise sound audio podcast playlist light lights lamp balloon
      poster print screenshot wallpaper mirror`,
  },
]

/** Each listed word's class name. */
const CLASS_OF = new Map<string, string>(
  CLASSES.flatMap((c) => c.words.split(/\s+/).flatMap((w) => (w ? [[w, c.name] as const] : []))),
)

/** The names of the classes, for tests and documentation. */
export const WORD_CLASS_NAMES: readonly string[] = CLASSES.map((c) => c.name)

/**
 * The class of a normalised word, or undefined: the word itself, else its singular by the
 * common English plural endings (`-s`, `-es`, `-ies`).
 */
export function wordClassOf(word: string): string | undefined {
  const direct = CLASS_OF.get(word)
  if (direct !== undefined || word.length < 4 || !word.endsWith('s')) return direct
  if (word.endsWith('ies')) {
    const y = CLASS_OF.get(`${word.slice(0, -3)}y`)
    if (y !== undefined) return y
  }
  if (word.endsWith('es')) {
    const es = CLASS_OF.get(word.slice(0, -2))
    if (es !== undefined) return es
  }
  return CLASS_OF.get(word.slice(0, -1))
}
