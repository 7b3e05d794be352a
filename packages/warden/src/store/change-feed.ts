/**
 * Tells a process when access data (keys, applications) may have changed elsewhere, so it can
 * cache them and still apply a revocation on the very next request.
 */
export interface ChangeFeed {
  /** Changes whenever access data may have changed, in this process or another. Cheap. */
  version(): number
  /** Says that this process changed access data; every process sees a new version. */
  announce(): Promise<void>
  close(): Promise<void>
}
