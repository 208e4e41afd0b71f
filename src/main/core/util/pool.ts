/**
 * Run `fn` over `items` in their order, at most `limit` at a time. The first error stops the items
 * not yet started; the ones already running finish, then that error is thrown.
 */
export async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  // Boxed, so that even a thrown `null` or `undefined` counts as a failure.
  let failed: { err: unknown } | null = null;
  const worker = async () => {
    while (next < items.length && !failed) {
      const item = items[next++]!;
      try {
        await fn(item);
      } catch (err) {
        failed ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failed) throw (failed as { err: unknown }).err;
}
