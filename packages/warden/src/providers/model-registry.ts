import type { ModelConfig } from '../config/index.js'
import type { ModelInfo } from '../domain/index.js'
import type { Provider } from './provider.js'

/** Where a public model id goes: which provider, under which upstream id. */
export interface ModelRoute {
  readonly id: string
  readonly provider: Provider
  readonly upstreamModel: string
  readonly ownedBy: string
}

export interface ModelRegistryOptions {
  readonly models: readonly ModelConfig[]
  readonly providers: Readonly<Record<string, Provider>>
  /** Providers whose own model list is served under the upstream ids. */
  readonly passthrough: readonly Provider[]
  readonly now: () => number
  /** How long a fetched upstream model list is trusted. */
  readonly listTtlMs?: number
  /** After an unknown id, the soonest the list is fetched again. */
  readonly missRefreshMs?: number
}

interface Listing {
  readonly ids: ReadonlySet<string>
  readonly fetchedAt: number
}

/** Maps public model ids to providers: configured models first, then passthrough upstreams. */
export function createModelRegistry(options: ModelRegistryOptions) {
  const { now, passthrough } = options
  const listTtlMs = options.listTtlMs ?? 60_000
  const missRefreshMs = options.missRefreshMs ?? 5_000
  const listTimeoutMs = 10_000
  const configured = new Map<string, ModelRoute>()
  for (const model of options.models) {
    const provider = options.providers[model.provider]
    if (!provider) throw new Error(`model "${model.id}" names unknown provider "${model.provider}"`)
    configured.set(model.id, {
      id: model.id,
      provider,
      upstreamModel: model.upstreamModel ?? model.id,
      ownedBy: model.ownedBy,
    })
  }
  const listings = new Map<Provider, Listing>()
  const inflight = new Map<Provider, Promise<Listing | null>>()
  /** When a provider's list last failed to come: no request waits on it again for a while. */
  const failedAt = new Map<Provider, number>()

  function fetchListing(provider: Provider): Promise<Listing | null> {
    const running = inflight.get(provider)
    if (running) return running
    // Shared by every waiting request, so no one request's cancellation may end it.
    const promise = provider
      .listModels(AbortSignal.timeout(listTimeoutMs))
      .then((ids) => {
        const listing = { ids: new Set(ids), fetchedAt: now() }
        listings.set(provider, listing)
        failedAt.delete(provider)
        return listing
      })
      .catch(() => {
        failedAt.set(provider, now())
        return null
      })
      .finally(() => inflight.delete(provider))
    inflight.set(provider, promise)
    return promise
  }

  async function listingOf(provider: Provider, wanted?: string): Promise<Listing | null> {
    const cached = listings.get(provider)
    const age = cached ? now() - cached.fetchedAt : Infinity
    const stale =
      age > listTtlMs || (wanted !== undefined && !cached?.ids.has(wanted) && age > missRefreshMs)
    if (!stale) return cached ?? null
    const failed = failedAt.get(provider)
    if (failed !== undefined && now() - failed < missRefreshMs) return cached ?? null
    return (await fetchListing(provider)) ?? cached ?? null
  }

  return {
    /** The route for a public id, or undefined when no provider serves it. */
    async resolve(id: string): Promise<ModelRoute | undefined> {
      const route = configured.get(id)
      if (route) return route
      let unreachable: Provider | undefined
      for (const provider of passthrough) {
        const listing = await listingOf(provider, id)
        if (listing === null) unreachable ??= provider
        else if (listing.ids.has(id))
          return { id, provider, upstreamModel: id, ownedBy: provider.id }
      }
      // An upstream whose list cannot be read still gets the call; it can say 404 itself.
      return (
        unreachable && { id, provider: unreachable, upstreamModel: id, ownedBy: unreachable.id }
      )
    },

    /**
     * True for a configured id or one a passthrough upstream listed when last asked; no I/O.
     * An id routed only because an upstream's list could not be read is not known.
     */
    isKnown(id: string): boolean {
      if (configured.has(id)) return true
      for (const listing of listings.values()) if (listing.ids.has(id)) return true
      return false
    },

    /** Every model served, configured and passthrough, in the OpenAI list shape. */
    async list(): Promise<ModelInfo[]> {
      const seen = new Map<string, ModelInfo>()
      for (const route of configured.values()) {
        seen.set(route.id, { id: route.id, object: 'model', created: 0, owned_by: route.ownedBy })
      }
      for (const provider of passthrough) {
        const listing = await listingOf(provider)
        for (const id of listing?.ids ?? []) {
          if (!seen.has(id))
            seen.set(id, { id, object: 'model', created: 0, owned_by: provider.id })
        }
      }
      return [...seen.values()]
    },
  }
}

/** The model registry. */
export type ModelRegistry = ReturnType<typeof createModelRegistry>
