import { leftProcessCheck } from './helpers/leftProcesses';

/** vitest's global setup: the run fails if a test leaves a process it started running. */
export default function setup(): () => Promise<void> {
  return leftProcessCheck('vitest');
}
