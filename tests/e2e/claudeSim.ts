import { startClaudeSimulator, type ClaudeSimOptions, type ClaudeSimulator } from '../../src/main/sim/claude';
import { test } from './fixtures';

/** The test fixture with a Claude simulator beside the host (real HTTP, stopped after the test). */
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
