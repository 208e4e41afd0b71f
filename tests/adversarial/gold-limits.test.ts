import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/createCore';
import { createDispatcher, type Dispatch } from '../../src/shared/contract/rpc';
import type { ReviewDocument } from '../../src/shared/domain/review';
import { openTestCore, tempDir } from '../helpers/core';
import { takeSuggested, truthContent, verifyAs } from '../helpers/review';
import { addDocuments, createSyncProject } from '../helpers/sync';

/**
 * Gold obeys the limits of every saved box and answer: a resolution the contract accepts must be
 * one the lead can open again. (Before, a 100-character box id or a 5,000-character question was
 * written as gold, and from then on `review.document` failed with "returned data outside the
 * contract" for that document.)
 */
describe('resolving gold within the limits of saved work', () => {
  let dir: ReturnType<typeof tempDir>;
  let core: Core;
  let call: Dispatch;
  let projectId: string;
  let documentId: string;

  beforeAll(async () => {
    dir = tempDir();
    core = await openTestCore(join(dir.path, 'data'));
    call = createDispatcher(core.api);
    projectId = await createSyncProject(core);
    const [d] = await addDocuments(core, projectId, { count: 1 });
    documentId = d!.documentId;
    const truth = truthContent(d!.truth, d!.pageId);
    verifyAs(core, projectId, documentId, { id: 'ann-a', name: 'A' }, truth);
    verifyAs(core, projectId, documentId, { id: 'ann-b', name: 'B' }, { ...truth, boxes: truth.boxes.slice(1) });
  });
  afterAll(async () => {
    await core.close();
    dir.cleanup();
  });

  async function resolveWith(change: (choice: ReturnType<typeof takeSuggested>) => void) {
    const opened = await call('review.document', { projectId, documentId });
    expect(opened.ok).toBe(true);
    const doc = (opened as { value: ReviewDocument }).value;
    const choice = takeSuggested(doc);
    change(choice);
    const basedOn = doc.versions.map((v) => ({ sourceId: v.source.id, annotationId: v.annotationId, version: v.version }));
    return call('review.resolve', { projectId, documentId, basedOn, ...choice });
  }

  it.each([
    ['a 100-character box id', (c: ReturnType<typeof takeSuggested>) => void (c.boxes[0]!.id = 'b'.repeat(100)), /boxes\[0\]\.id: Too big/],
    ['a 30,000-character transcription', (c: ReturnType<typeof takeSuggested>) => void (c.boxes[0]!.transcription = 't'.repeat(30_000)), /boxes\[0\]\.transcription: Too big/],
    ['a 5,000-character question', (c: ReturnType<typeof takeSuggested>) => void (c.qa[0]!.question = 'q'.repeat(5_000)), /qa\[0\]\.question: Too big/],
  ])('refuses %s, and the document still opens', async (_what, change, field) => {
    const result = await resolveWith(change);
    expect(result.ok).toBe(false);
    expect((result as { error: { code: string; message: string } }).error).toMatchObject({ code: 'invalid_request', message: expect.stringMatching(field) });
    expect((await call('review.document', { projectId, documentId })).ok).toBe(true);
  });

  it('writes gold at the limits, and the document opens with it', async () => {
    const result = await resolveWith((c) => {
      const before = c.boxes[0]!.id;
      c.boxes[0]!.id = 'b'.repeat(64);
      c.qa.forEach((q) => (q.evidenceBoxIds = q.evidenceBoxIds.map((e) => (e === before ? c.boxes[0]!.id : e))));
      c.qa[0]!.question = 'q'.repeat(2_000);
    });
    expect(result.ok).toBe(true);
    const opened = await call('review.document', { projectId, documentId });
    expect(opened.ok).toBe(true);
    expect((opened as { value: ReviewDocument }).value.gold).not.toBeNull();
  });
});
