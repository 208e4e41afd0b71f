import { startClaudeSimulator, type ClaudeSimulator } from '../../src/main/sim/claude';
import { test } from './fixtures';

/**
 * Tests with the Claude simulator beside the host: a real HTTP server speaking the Messages API,
 * answering from the synthetic documents' truth (pages it does not know get an empty answer).
 */
export const withClaude = test.extend<{ claude: ClaudeSimulator }>({
  // eslint-disable-next-line no-empty-pattern
  claude: async ({}, use) => {
    // Median 1 s per page: slow enough to watch, fast enough for a test.
    const sim = await startClaudeSimulator({ timeScale: 0.5, seed: 4242 });
    try {
      await use(sim);
    } finally {
      await sim.close();
    }
  },
});
