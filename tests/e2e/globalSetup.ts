import { leftProcessCheck } from '../helpers/leftProcesses';

/** Playwright's global setup: the run fails if a test leaves a host, sync process or browser it started running. */
export default function setup(): () => Promise<void> {
  return leftProcessCheck('playwright');
}
