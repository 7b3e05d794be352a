export { runSimulation } from './simulation.js'
export type { SimulationOptions, SimulationReport } from './simulation.js'
export { checkDetectionGoals, DETECTION_GOALS } from './detection-goals.js'
export type { GoalCheck } from './detection-goals.js'
export { scoreDetections } from './detection-score.js'
export type {
  DetectionScore,
  DetectorScore,
  EpisodeOutcome,
  FalsePositive,
  ResolvedEpisode,
  ScoredIncident,
} from './detection-score.js'
export { EPISODE_KINDS } from './abuse-episodes.js'
export type { Episode, EpisodeKind } from './abuse-episodes.js'
export { planTraffic } from './traffic-plan.js'
export type { TrafficOptions, TrafficPlan } from './traffic-plan.js'
export { startSimulatedUpstream } from './simulated-upstream.js'
