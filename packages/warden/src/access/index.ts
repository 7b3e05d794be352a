export { createOrganizations } from './organizations.js'
export type { Organizations, Organization, Application } from './organizations.js'
export { createApiKeys, KEY_PREFIX } from './api-keys.js'
export type { ApiKeys, ApiKeyInfo, CreatedApiKey, CreateKeyInput } from './api-keys.js'
export {
  createAdminUsers,
  ADMIN_ROLES,
  STAFF_ROLES,
  MEMBER_ROLES,
  isMemberRole,
} from './admin-users.js'
export type { AdminUsers, AdminUser, AdminRole, BootstrapResult } from './admin-users.js'
export { hashPassword, verifyPassword } from './passwords.js'
export { createUseCaseApplications } from './use-case-applications.js'
export type { UseCaseApplications } from './use-case-applications.js'
export { REVIEW_STATES } from './review-states.js'
export type {
  UseCaseApplication,
  ReviewState,
  ReviewAction,
  ReviewActor,
  PrescreenResult,
  ApplicationEvent,
} from './review-states.js'
export { createWebhooks, MAX_ATTEMPTS } from './webhooks.js'
export type { Webhooks, WebhookEndpoint, NotifyChannel } from './webhooks.js'
export { prescreenForm } from './prescreen-form.js'
export { createLimitOverrides, parseStoredLimits } from './limit-overrides.js'
export type { LimitOverrideStore } from './limit-overrides.js'
export { createMitigationActions } from './mitigation-actions.js'
