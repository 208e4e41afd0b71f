/**
 * On Ctrl-C or a kill, closes what a command-line process started, in the order given and
 * once only (a second signal while closing does nothing), then exits.
 */
export function closeOnSignals(...closers: Array<() => Promise<void>>): void {
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    for (const close of closers) await close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}
