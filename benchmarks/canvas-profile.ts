/**
 * npx tsx benchmarks/canvas-profile.ts [lineItems=2500] — where opening a dense document goes, on
 * the data folders `npm run bench:canvas` prepared in .bench/canvas (run it once first):
 *   - Node: annotations.get in the core (SQLite read), its response validation, JSON.stringify
 *   - the WebSocket: request sent → response frame received, and its size
 *   - Chromium: a sampled CPU profile of opening the document (self time by function, top 25),
 *     and the first-interactive-frame figure measured as the benchmark does
 * Not a benchmark (no JSON line): a tool for reading where the time goes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { chromium } from 'playwright-core';
import { methods } from '../src/shared/contract/methods';
import { firstFrameScript, openBenchCore, startBrowserHost } from './lib';

const root = join(import.meta.dirname, '..');
const lineItems = Number(process.argv[2] ?? 2500);
const dataDir = join(root, '.bench', 'canvas', `data-${lineItems}`);
const { projectId, documentId, boxes } = JSON.parse(readFileSync(join(dataDir, 'prepared.json'), 'utf8')) as { projectId: string; documentId: string; boxes: number };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function nodeSide() {
  const core = await openBenchCore(dataDir);
  try {
    for (const method of ['annotations.get', 'annotations.getColumns'] as const) {
    const t = { get: [] as number[], validate: [] as number[], stringify: [] as number[], parse: [] as number[], bytes: 0 };
    for (let i = 0; i < 7; i++) {
      let s = performance.now();
      const value = await core.api[method]({ projectId, documentId });
      t.get.push(performance.now() - s);
      s = performance.now();
      const checked = methods[method].response.safeParse(value);
      t.validate.push(performance.now() - s);
      if (!checked.success) throw new Error('response outside the contract');
      s = performance.now();
      const text = JSON.stringify({ id: 1, result: { ok: true, value: checked.data } });
      t.stringify.push(performance.now() - s);
      s = performance.now();
      JSON.parse(text);
      t.parse.push(performance.now() - s);
      t.bytes = text.length;
    }
    console.log(
      `node: ${method} first call ${t.get[0]!.toFixed(1)} ms + validation ${t.validate[0]!.toFixed(1)} ms; medians of 7: ${median(t.get).toFixed(1)} ms, response validation ${median(t.validate).toFixed(1)} ms, JSON.stringify ${median(t.stringify).toFixed(1)} ms, JSON.parse ${median(t.parse).toFixed(1)} ms, ${(t.bytes / 2 ** 20).toFixed(2)} MB`,
    );
    }
  } finally {
    await core.close();
  }
}

async function browserSide() {
  const host = await startBrowserHost(dataDir);
  const url = host.url;
  const browser = await chromium.launch({ executablePath: process.env.FOLIO_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 });
    const cdp = await page.context().newCDPSession(page);
    await page.goto(`${url}#/projects/${projectId}`);
    await page.getByTestId('document-card').first().waitFor();
    await cdp.send('Network.enable');
    const frames: { dir: string; at: number; size: number; head: string }[] = [];
    cdp.on('Network.webSocketFrameSent', (e: { timestamp: number; response: { payloadData: string } }) => frames.push({ dir: 'sent', at: e.timestamp * 1000, size: e.response.payloadData.length, head: e.response.payloadData.slice(0, 80) }));
    cdp.on('Network.webSocketFrameReceived', (e: { timestamp: number; response: { payloadData: string } }) => frames.push({ dir: 'recv', at: e.timestamp * 1000, size: e.response.payloadData.length, head: e.response.payloadData.slice(0, 60) }));
    const trace: { name: string; ph: string; ts: number; dur?: number; tid: number; pid: number; cat: string; args?: { data?: { url?: string } } }[] = [];
    cdp.on('Tracing.dataCollected', (e) => trace.push(...(e.value as unknown as typeof trace)));
    const traceDone = new Promise<void>((resolve) => cdp.once('Tracing.tracingComplete', () => resolve()));
    await cdp.send('Tracing.start', { traceConfig: { includedCategories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8', 'blink'] } as never, transferMode: 'ReportEvents' } as never);
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
    await cdp.send('Profiler.start');
    const startWall = ((await cdp.send('Runtime.evaluate', { expression: 'performance.timeOrigin + performance.now()', returnByValue: true })) as { result: { value: number } }).result.value;
    const firstFrameMs = (await page.evaluate(firstFrameScript(projectId, documentId, boxes))) as number;
    const { profile } = (await cdp.send('Profiler.stop')) as { profile: { nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }; children?: number[] }[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number } };
    writeFileSync(join(root, '.bench', `canvas-open-${lineItems}.cpuprofile`), JSON.stringify(profile));
    await cdp.send('Tracing.end');
    await traceDone;
    writeFileSync(join(root, '.bench', `canvas-open-${lineItems}.trace.json`), JSON.stringify({ traceEvents: trace }));
    // Main-thread top-level tasks of the renderer (RunTask), and what ran inside them, by name.
    const main = trace.find((e) => e.name === 'thread_name' && (e as unknown as { args: { name: string } }).args.name === 'CrRendererMain');
    const onMain = trace.filter((e) => main && e.pid === main.pid && e.tid === main.tid && e.ph === 'X' && e.dur !== undefined);
    const tasks = onMain.filter((e) => e.name === 'RunTask').sort((a, b) => a.ts - b.ts);
    const t0task = tasks[0]?.ts ?? 0;
    const long = tasks.filter((t) => t.dur! > 15_000);
    console.log(`main thread: ${tasks.length} tasks, ${(tasks.reduce((n, t) => n + t.dur!, 0) / 1000).toFixed(0)} ms busy; tasks over 15 ms:`);
    for (const t of long) {
      const inner = onMain.filter((e) => e !== t && e.ts >= t.ts && e.ts + e.dur! <= t.ts + t.dur! && e.dur! > 3000 && e.name !== 'RunTask').slice(0, 8);
      console.log(`  +${((t.ts - t0task) / 1000).toFixed(0)} ms ${(t.dur! / 1000).toFixed(1)} ms: ${inner.map((e) => `${e.name}${e.args?.data?.url ? `(${e.args.data.url.split('/').pop()?.slice(0, 30)})` : ''} ${(e.dur! / 1000).toFixed(1)}`).join(', ')}`);
    }
    const byName = new Map<string, number>();
    for (const e of onMain) if (e.name !== 'RunTask' && e.name !== 'ThreadControllerImpl::RunTask') byName.set(e.name, (byName.get(e.name) ?? 0) + e.dur!);
    console.log('main thread, inclusive time by event name (nested events double-count), top 20:');
    for (const [k, v] of [...byName].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(`  ${(v / 1000).toFixed(1).padStart(7)} ms  ${k}`);
    console.log(`browser: first interactive frame ${firstFrameMs.toFixed(0)} ms for ${boxes} boxes`);
    // WebSocket frames relative to the start (CDP timestamps are monotonic seconds; align on the first frame sent).
    const sent = frames.filter((f) => f.dir === 'sent');
    const t0 = sent[0]?.at ?? 0;
    for (const f of frames.sort((a, b) => a.at - b.at)) console.log(`  ws ${f.dir} +${(f.at - t0).toFixed(0)} ms ${(f.size / 1024).toFixed(0)} KiB ${f.head.replace(/\s+/g, ' ')}`);
    void startWall;
    // Self time by function.
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const self = new Map<string, number>();
    let total = 0;
    for (let i = 0; i < profile.samples.length; i++) {
      const n = byId.get(profile.samples[i]!)!;
      const dt = (profile.timeDeltas[i + 1] ?? 0) / 1000;
      const f = n.callFrame;
      const key = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber + 1}:${f.columnNumber + 1}`;
      self.set(key, (self.get(key) ?? 0) + dt);
      total += dt;
    }
    console.log(`profile: ${total.toFixed(0)} ms sampled; self time, top 25:`);
    for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`  ${v.toFixed(1).padStart(7)} ms  ${k}`);
  } finally {
    await browser.close();
    host.stop();
  }
}

await nodeSide();
await browserSide();
