import type { WandbClient } from './client';
import { probePolicy, WandbError } from './http';

/**
 * Before a job talks to W&B (evaluation logging, a pull): one quick Viewer query, as the sync
 * engine's online check. When nothing answers — a refused connection, no route, no DNS — it throws
 * `unreachable` at once instead of after every request policy's unreachable retries (2 + 4 + 8 s
 * of backoff). When W&B answers with trouble (5xx, 429) or not in time, the job goes on and its
 * own requests retry as the SDK does. Then the entity: the one in settings, or the key's own.
 */
export async function reachWandb(client: WandbClient, settingsEntity: string | null, probeTimeoutMs = 10_000): Promise<{ entity: string }> {
  let viewer: Awaited<ReturnType<WandbClient['viewer']>> | undefined;
  try {
    viewer = await client.viewer(probePolicy(probeTimeoutMs));
  } catch (err) {
    if (!(err instanceof WandbError) || (err.kind !== 'http' && err.kind !== 'exhausted' && err.kind !== 'graphql' && err.kind !== 'protocol')) throw err;
    viewer = undefined;
  }
  if (viewer === null) throw new WandbError('auth', 'W&B did not recognise the API key (viewer is null)');
  if (settingsEntity) return { entity: settingsEntity };
  viewer ??= await client.viewer();
  if (!viewer) throw new WandbError('auth', 'W&B did not recognise the API key (viewer is null)');
  if (!viewer.entity) throw new WandbError('permission', 'W&B did not say which entity this key belongs to; set the entity in Settings → Weights & Biases');
  return { entity: viewer.entity };
}
