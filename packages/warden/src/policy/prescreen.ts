import {
  compileIndicator,
  findMentions,
  findTogether,
  type CompiledIndicator,
  type CompiledTogether,
  type Mention,
} from './indicator-matcher.js'
import type { MitigationFormField, PolicyDocument } from './policy-document.js'
import { learnedClauses, shippedLearnedModel, type LearnedModel } from './prescreen-learned.js'
import type { UseCaseApplication } from './use-case-application.js'

export const PRESCREEN_OUTCOMES = ['low_risk', 'high_scrutiny', 'prohibited'] as const
/** What the pre-screen makes of an application, mildest first. */
export type PrescreenOutcome = (typeof PRESCREEN_OUTCOMES)[number]

/** One clause of the policy an application touches, and why. */
export interface PrescreenClause {
  /** `prohibited.spam`, `high_scrutiny.medicine`. */
  readonly id: string
  /** A readable sentence that quotes the words (or the form answers) that triggered it. */
  readonly why: string
  /** The words that triggered it, as the application writes them. */
  readonly matched: readonly string[]
}

/** A mitigation some high-scrutiny clause requires, and whether the form shows it. */
export interface MitigationCheck {
  /** The mitigation's id in the policy (`human_review`). */
  readonly id: string
  readonly title: string
  /** The clauses that require it. */
  readonly requiredBy: readonly string[]
  /** What in the form shows it (`human_oversight: true`, a quote from the safeguards), or null. */
  readonly evidence: string | null
}

/** The local pre-screen's verdict on one application. */
export interface PrescreenResult {
  readonly outcome: PrescreenOutcome
  /** The clauses touched, prohibited ones first, each in policy order. */
  readonly clauses: readonly PrescreenClause[]
  /** For a high-scrutiny outcome: every mitigation its clauses require; otherwise empty. */
  readonly mitigations: readonly MitigationCheck[]
  /** Clauses whose words appear only negated or in a defensive sense, so they do not count. */
  readonly setAside: readonly PrescreenClause[]
}

/** The stricter of two outcomes. */
export function stricterOutcome(a: PrescreenOutcome, b: PrescreenOutcome): PrescreenOutcome {
  return PRESCREEN_OUTCOMES.indexOf(a) >= PRESCREEN_OUTCOMES.indexOf(b) ? a : b
}

/** The outcome a set of clause ids decides: any prohibited one, else any high-scrutiny one. */
export function outcomeOfClauses(ids: readonly string[]): PrescreenOutcome {
  if (ids.some((id) => id.startsWith('prohibited.'))) return 'prohibited'
  if (ids.some((id) => id.startsWith('high_scrutiny.'))) return 'high_scrutiny'
  return 'low_risk'
}

interface CompiledEntry {
  readonly id: string
  readonly title: string
  /** Whether a defensive word near a mention sets it aside (the policy's `defensive_cues`). */
  readonly defensiveCues: boolean
  readonly indicators: readonly CompiledIndicator[]
  readonly together: readonly CompiledTogether[]
}

interface CompiledPolicy {
  readonly prohibited: readonly CompiledEntry[]
  readonly scrutiny: readonly CompiledEntry[]
  readonly mitigations: ReadonlyMap<
    string,
    CompiledEntry & { readonly formFields: readonly MitigationFormField[] }
  >
}

/** Compiled once per document: a policy holds a few hundred indicators. */
const compiled = new WeakMap<PolicyDocument, CompiledPolicy>()

function compile(doc: PolicyDocument): CompiledPolicy {
  const cached = compiled.get(doc)
  if (cached) return cached
  const entry = (
    section: string,
    e: {
      id: string
      title: string
      indicators: string[]
      together?: Array<{ any: string[]; with: string[] }>
      defensive_cues?: boolean
    },
  ): CompiledEntry => ({
    id: `${section}.${e.id}`,
    title: e.title,
    defensiveCues: e.defensive_cues ?? true,
    indicators: e.indicators.map(compileIndicator),
    together: (e.together ?? []).map((t) => ({
      any: t.any.map(compileIndicator),
      with: t.with.map(compileIndicator),
    })),
  })
  const policy: CompiledPolicy = {
    prohibited: doc.prohibited.map((p) => entry('prohibited', p)),
    scrutiny: doc.high_scrutiny.map((d) => entry('high_scrutiny', d)),
    mitigations: new Map(
      doc.mitigations.map((m) => [m.id, { ...entry('mitigation', m), formFields: m.form_fields }]),
    ),
  }
  compiled.set(doc, policy)
  return policy
}

/** One free-text answer of the form, named as a `why` sentence names it ("in the description"). */
interface FormText {
  readonly name: string
  readonly text: string
}

function textsOf(app: UseCaseApplication): FormText[] {
  const texts: FormText[] = [{ name: 'the description', text: app.description }]
  if (app.category) texts.push({ name: 'the category', text: app.category })
  if (app.safeguards) texts.push({ name: 'the safeguards', text: app.safeguards })
  app.samples?.forEach((sample, i) => {
    texts.push({ name: `sample ${i + 1}'s prompt`, text: sample.prompt })
    texts.push({ name: `sample ${i + 1}'s output`, text: sample.output })
  })
  return texts
}

type FieldMention = Mention & { readonly field: string }

function mentionsOf(entry: CompiledEntry, texts: readonly FormText[]): FieldMention[] {
  return texts.flatMap(({ name, text }) => {
    const single = findMentions(text, entry.indicators)
    // A pair around a phrase the clause already names says nothing more.
    const pairs = entry.together
      .flatMap((t) => findTogether(text, t))
      .filter((p) => !single.some((m) => m.start < p.end && p.start < m.end))
    return [...single, ...pairs].map((m) => ({ ...m, field: name }))
  })
}

const MAX_QUOTES = 6

/** Distinct words, case-insensitively, in the order first seen. */
function distinct(words: readonly string[]): string[] {
  const seen = new Map<string, string>()
  for (const word of words) if (!seen.has(word.toLowerCase())) seen.set(word.toLowerCase(), word)
  return [...seen.values()]
}

function quoteList(words: readonly string[]): string {
  const quoted = words.slice(0, MAX_QUOTES).map((w) => `"${w}"`)
  const more = words.length > MAX_QUOTES ? ` and ${words.length - MAX_QUOTES} more` : ''
  if (quoted.length <= 1 || more) return quoted.join(', ') + more
  return `${quoted.slice(0, -1).join(', ')} and ${quoted.at(-1) ?? ''}`
}

/** `"cold e-mails" and "rotating domains" in the description; "spam" in sample 1's prompt`. */
function describeMentions(mentions: readonly FieldMention[]): string {
  const byField = new Map<string, string[]>()
  for (const m of mentions) byField.set(m.field, [...(byField.get(m.field) ?? []), m.text])
  return [...byField]
    .map(([field, words]) => `${quoteList(distinct(words))} in ${field}`)
    .join('; ')
}

/** `"phishing" reads as defensive ("detect")`, for mentions that do not count. */
function describeSetAside(mentions: readonly FieldMention[]): string {
  const parts = mentions.map(({ text, field, reading }) =>
    reading.kind === 'plain'
      ? `"${text}" in ${field}`
      : `"${text}" in ${field} reads as ${reading.kind} ("${reading.cue}")`,
  )
  return distinct(parts).slice(0, MAX_QUOTES).join('; ')
}

/** A clause id of a declared domain: its id (`medicine`), its title, or one of its indicators. */
function declaredDomains(app: UseCaseApplication, scrutiny: readonly CompiledEntry[]) {
  const found = new Map<string, string[]>()
  for (const declared of app.domains ?? []) {
    const slug = declared
      .trim()
      .toLowerCase()
      .replace(/[\s-]+/g, '_')
    const entry =
      scrutiny.find((e) => e.id === `high_scrutiny.${slug}`) ??
      scrutiny.find((e) => e.title.toLowerCase() === declared.trim().toLowerCase()) ??
      scrutiny.find((e) => findMentions(declared, e.indicators).length > 0)
    if (entry) found.set(entry.id, [...(found.get(entry.id) ?? []), declared])
  }
  return found
}

export interface PrescreenOptions {
  /** The learned layer's model: the shipped one when undefined, none when null. */
  readonly learned?: LearnedModel | null
}

/**
 * Adds the prohibited clauses the learned layer reads and the phrases did not find, in policy
 * order. A clause whose phrases were set aside (negated, defensive) stays set aside: the model
 * reads words, not how a sentence turns them.
 */
function addLearned(
  model: LearnedModel,
  app: UseCaseApplication,
  policy: CompiledPolicy,
  clauses: PrescreenClause[],
  setAside: readonly PrescreenClause[],
): void {
  const ids = new Set(policy.prohibited.map((e) => e.id))
  const taken = new Set([...clauses, ...setAside].map((c) => c.id))
  for (const found of learnedClauses(model, app, ids)) {
    if (taken.has(found.id)) continue
    const title = policy.prohibited.find((e) => e.id === found.id)?.title ?? found.id
    clauses.push({
      id: found.id,
      why: `${title}: the learned model reads the application so (${found.probability.toFixed(2)}), most of all from ${quoteList(found.words)}.`,
      matched: found.words,
    })
  }
  const order = [...ids]
  clauses.sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id))
}

/** The clause for products used by minors, which `audience: minors` selects. */
const MINORS_CLAUSE = 'high_scrutiny.minors'

/**
 * Reads a use-case application against the policy: which prohibited and high-scrutiny clauses
 * its text touches (description, category, safeguards, samples), quoting the words, plus the
 * domains and audience it declares. Self-reported answers only ever add a clause: a plainly
 * medical description is high-scrutiny whatever its domains list says. Any prohibited clause
 * makes the outcome prohibited; else any high-scrutiny clause makes it high-scrutiny.
 */
export function prescreen(
  app: UseCaseApplication,
  doc: PolicyDocument,
  options: PrescreenOptions = {},
): PrescreenResult {
  const policy = compile(doc)
  const texts = textsOf(app)
  const clauses: PrescreenClause[] = []
  const setAside: PrescreenClause[] = []

  for (const entry of policy.prohibited) {
    const mentions = mentionsOf(entry, texts)
    const counts = (m: FieldMention) =>
      m.reading.kind === 'plain' || (m.reading.kind === 'defensive' && !entry.defensiveCues)
    const counted = mentions.filter(counts)
    const ignored = mentions.filter((m) => !counts(m))
    if (counted.length > 0) {
      clauses.push({
        id: entry.id,
        why: `${entry.title}: ${describeMentions(counted)}.`,
        matched: distinct(counted.map((m) => m.text)),
      })
    } else if (ignored.length > 0) {
      setAside.push({
        id: entry.id,
        why: `${entry.title}: ${describeSetAside(ignored)}, so it does not count.`,
        matched: distinct(ignored.map((m) => m.text)),
      })
    }
  }

  const learned = options.learned === undefined ? shippedLearnedModel() : options.learned
  if (learned) addLearned(learned, app, policy, clauses, setAside)

  const declared = declaredDomains(app, policy.scrutiny)
  const forMinors = app.audience?.includes('minors') === true
  for (const entry of policy.scrutiny) {
    // A negated mention ("no medical advice") does not count here either; a defensive one does:
    // detecting fraud in loan applications is still lending.
    const mentions = mentionsOf(entry, texts)
    const counted = mentions.filter((m) => m.reading.kind !== 'negated')
    const reasons: string[] = []
    if (counted.length > 0) reasons.push(describeMentions(counted))
    const domains = declared.get(entry.id)
    if (domains) reasons.push(`the form declares the domain ${quoteList(distinct(domains))}`)
    if (forMinors && entry.id === MINORS_CLAUSE) reasons.push('the audience includes minors')
    if (reasons.length > 0) {
      clauses.push({
        id: entry.id,
        why: `${entry.title}: ${reasons.join('; ')}.`,
        matched: distinct(counted.map((m) => m.text)),
      })
    } else if (mentions.length > 0) {
      setAside.push({
        id: entry.id,
        why: `${entry.title}: ${describeSetAside(mentions)}, so it does not count.`,
        matched: distinct(mentions.map((m) => m.text)),
      })
    }
  }

  const outcome = outcomeOfClauses(clauses.map((c) => c.id))
  return {
    outcome,
    clauses,
    mitigations:
      outcome === 'high_scrutiny'
        ? checkMitigations(
            clauses.map((c) => c.id),
            app,
            doc,
          )
        : [],
    setAside,
  }
}

const FORM_ANSWERS: Record<MitigationFormField, (app: UseCaseApplication) => boolean> = {
  human_oversight: (app) => app.humanOversight === true,
  discloses_ai: (app) => app.disclosesAi === true,
}

/**
 * The mitigations that the high-scrutiny clauses among `clauseIds` require, in policy order,
 * each with what in the form shows it: a yes/no answer the policy accepts for it, or its
 * indicators in the safeguards text (not negated: "no human review" shows nothing).
 */
export function checkMitigations(
  clauseIds: readonly string[],
  app: UseCaseApplication,
  doc: PolicyDocument,
): MitigationCheck[] {
  const policy = compile(doc)
  const required = new Map<string, string[]>()
  for (const domain of doc.high_scrutiny) {
    const id = `high_scrutiny.${domain.id}`
    if (!clauseIds.includes(id)) continue
    for (const m of domain.mitigations) required.set(m, [...(required.get(m) ?? []), id])
  }
  const checks: MitigationCheck[] = []
  for (const [id, mitigation] of policy.mitigations) {
    const requiredBy = required.get(id)
    if (!requiredBy) continue
    const field = mitigation.formFields.find((f) => FORM_ANSWERS[f](app))
    const quotes = findMentions(app.safeguards ?? '', mitigation.indicators)
      .filter((m) => m.reading.kind !== 'negated')
      .map((m) => m.text)
    const evidence =
      field !== undefined
        ? `${field}: true`
        : quotes.length > 0
          ? `the safeguards say ${quoteList(distinct(quotes))}`
          : null
    checks.push({ id, title: mitigation.title, requiredBy, evidence })
  }
  return checks
}
