export { createBatchQueue } from './batch-queue.js'
export type { BatchQueue, BatchQueueStats } from './batch-queue.js'
export { createUsageRecorder } from './usage-recorder.js'
export type { UsageRecorder } from './usage-recorder.js'
export { createContentFindingRecorder } from './content-finding-recorder.js'
export type { ContentFindingRecorder } from './content-finding-recorder.js'
export { createContentTextRecorder, sha256Hex } from './content-text-recorder.js'
export type { ContentTextRecorder } from './content-text-recorder.js'
export { createContentRetention } from './content-retention.js'
export type {
  ContentRetention,
  PurgeCounts,
  Retention,
  StoredContent,
  StoredFinding,
  StoredText,
} from './content-retention.js'
export { createAuditLog, canonicalJson, hashAuditEntry } from './audit-log.js'
export type { AuditLog, AuditEntry, AuditVerification } from './audit-log.js'
export type { AuditProblem, CheckpointIndex } from './audit-checkpoint-verify.js'
export { readCheckpointIndex } from './audit-checkpoint-verify.js'
export { AUDIT_CHECKPOINT_FORMAT, signCheckpoint } from './audit-checkpoint.js'
export type { AuditCheckpoint, AuditHead } from './audit-checkpoint.js'
export { auditFilePaths, createAuditCheckpointer } from './audit-checkpointer.js'
export type { AuditCheckpointer } from './audit-checkpointer.js'
export { loadSigningKey } from './audit-signing-key.js'
export type { AuditSigningKey } from './audit-signing-key.js'
export { createRefusalRollup, OTHER_SOURCES } from './refusal-rollup.js'
export type { RefusalRollup, RefusalRollupOptions } from './refusal-rollup.js'
export { createMetrics } from './metrics.js'
export type { Metrics, MetricsDeps } from './metrics.js'
export { createTracing } from './tracing.js'
export type { Tracing, TracingDeps } from './tracing.js'
export { createMonitor } from './monitor.js'
export type { Monitor } from './monitor.js'
export { createIncidents, INCIDENT_STATUSES } from './incidents.js'
export type {
  Incident,
  IncidentFilter,
  IncidentMove,
  IncidentNote,
  IncidentStatus,
  Incidents,
} from './incidents.js'
export { createMitigations, MITIGATION_STATES } from './mitigations.js'
export type { Mitigation, MitigationState, Mitigations } from './mitigations.js'
export { createUsageFeed } from './usage-feed.js'
export type { FeedConsumer, FeedTick, UsageFeed } from './usage-feed.js'
export {
  detectorKinds,
  createDetectors,
  monitoringProblems,
  SEVERITIES,
  SUBJECT_KINDS,
} from './detectors/index.js'
export type {
  Detector,
  DetectorKind,
  DetectorKinds,
  Evidence,
  IncidentCandidate,
  Severity,
  SubjectKind,
} from './detectors/index.js'
export { usageEventOfRow } from './usage-recorder.js'
export { dailyUsage } from './usage-report.js'
export type { DailyUsage } from './usage-report.js'
