export {
  policyDocumentSchema,
  clausesOf,
  defaultTierOf,
  tierAllowsModel,
  modelMatches,
  CLAUSE_SECTIONS,
  CONTENT_ACTIONS,
} from './policy-document.js'
export type {
  PolicyDocument,
  PolicyTier,
  TierLimits,
  Clause,
  ClauseSection,
  ContentAction,
  ContentRule,
} from './policy-document.js'
export {
  parsePolicy,
  loadPolicyFile,
  PolicyError,
  DEFAULT_POLICY_FILE,
  MAX_POLICY_BYTES,
} from './policy-source.js'
export type { ParsedPolicy } from './policy-source.js'
export {
  createPolicyVersions,
  acceptanceIsCurrent,
  createPolicySnapshot,
  MAX_GRACE_DAYS,
  MAX_CHANGELOG,
} from './policy-versions.js'
export type {
  PolicyVersions,
  PolicyVersion,
  PolicyAcceptance,
  PolicySnapshot,
  PublishOptions,
} from './policy-versions.js'
export { diffPolicies } from './policy-diff.js'
export type { PolicyDiff, ClauseChange, TextPart } from './policy-diff.js'
export { MITIGATION_FORM_FIELDS } from './policy-document.js'
export type { MitigationFormField } from './policy-document.js'
export {
  AUDIENCES,
  useCaseApplicationSchema,
  toUseCaseApplication,
} from './use-case-application.js'
export type {
  Audience,
  UseCaseApplication,
  UseCaseApplicationForm,
  UseCaseSample,
} from './use-case-application.js'
export {
  prescreen,
  checkMitigations,
  stricterOutcome,
  outcomeOfClauses,
  PRESCREEN_OUTCOMES,
} from './prescreen.js'
export type {
  PrescreenResult,
  PrescreenOptions,
  PrescreenClause,
  PrescreenOutcome,
  MitigationCheck,
} from './prescreen.js'
export {
  parseLabeledApplications,
  evaluatePrescreen,
  EVALUATION_SPLITS,
} from './prescreen-evaluation.js'
export type {
  LabeledApplication,
  PrescreenEvaluation,
  OutcomeScore,
  Miss,
  EvaluationSplit,
} from './prescreen-evaluation.js'
export {
  prescreenWithModel,
  prescreenPrompt,
  parseModelAnswer,
  mergeModelAnswer,
} from './prescreen-model.js'
export type {
  PrescreenChat,
  PrescreenMessage,
  ModelPrescreenResult,
  ModelPrescreenClause,
  ModelAnswer,
  ClauseSource,
} from './prescreen-model.js'
export {
  applicationFeatures,
  learnedClauses,
  shippedLearnedModel,
  DEFAULT_LEARNED_MODEL_FILE,
} from './prescreen-learned.js'
export type { LearnedModel, LearnedClause } from './prescreen-learned.js'
export { trainLearnedModel } from './prescreen-training.js'
export type { TrainingExample, TrainingOptions } from './prescreen-training.js'
export { monitoringPolicySchema } from './monitoring-policy.js'
export type { MonitoringPolicy } from './monitoring-policy.js'
