import { startClaudeSimulator, type ClaudeSimOptions, type ClaudeSimulator } from '../../src/main/sim/claude';
import { test } from './fixtures';

/**
 * The test fixture with a Claude simulator beside the host: a real HTTP server speaking the
 * Messages API, answering from the synthetic documents' truth (pages it does not know get an empty
 * answer), stopped after the test.
 */
export function withClaudeSimulator(opts: ClaudeSimOptions) {
  return test.extend<{ claude: ClaudeSimulator }>({
    // eslint-disable-next-line no-empty-pattern
    claude: async ({}, use) => {
      const sim = await startClaudeSimulator(opts);
      try {
        await use(sim);
      } finally {
        await sim.close();
      }
    },
  });
}

/** Median 1 s per page: slow enough to watch, fast enough for a test. */
export const withClaude = withClaudeSimulator({ timeScale: 0.5, seed: 4242 });
