import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/main/core/db/open';
import { openDatabase } from '../../src/main/core/db/open';
import { SYNC_OUTBOX_KIND, VersionsRepo, type VersionKey } from '../../src/main/core/db/repos/versions';
import { tempDir } from '../helpers/core';

describe('VersionsRepo', () => {
  let dir: ReturnType<typeof tempDir>;
  let db: Db;
  const now = '2026-01-02T03:04:05.000Z';
  const content = {
    parentId: null,
    boxes: [{ id: 'b1', pageId: 'd1-p1', label: 'total', x: 1, y: 2, w: 3, h: 4, transcription: '$1' }],
    qa: [{ id: 'q1', question: 'Total?', answer: '$1', unanswerable: false, source: 'annotator' as const, templateId: null, evidenceBoxIds: ['b1'] }],
  };
  const key = (over: Partial<VersionKey>): VersionKey => ({ projectId: 'p1', documentId: 'd1', annotationId: 'a1', annotatorId: 'ada', version: 1, kind: 'annotation', ...over });
  const outbox = () => db.prepare('SELECT kind, entity_id, payload, state, next_attempt_at FROM outbox ORDER BY rowid').all();

  beforeEach(() => {
    dir = tempDir();
    db = openDatabase(join(dir.path, 'folio.db'));
    db.exec(`
      INSERT INTO projects (id, name, created_at, updated_at) VALUES ('p1', 'P', '${now}', '${now}');
      INSERT INTO documents (id, kind, source_name, byte_size, page_count, created_at) VALUES ('d1', 'image', 'd1.png', 1, 1, '${now}');
      INSERT INTO pages (id, document_id, page_number, width, height, thumbnail, levels) VALUES ('d1-p1', 'd1', 1, 100, 100, '', '[]');
      INSERT INTO annotators (id, name, created_at) VALUES ('ada', 'Ada', '${now}');
    `);
  });

  afterEach(() => {
    db.close();
    dir.cleanup();
  });

  it('enqueues every version it freezes with the shared kind and the payload sync reads; gold says so', () => {
    const versions = new VersionsRepo(db);
    versions.insert({ ...key({}), ...content }, { now, enqueue: true });
    versions.insert({ ...key({ annotationId: 'g1', kind: 'gold' }), ...content }, { now, enqueue: true });
    expect(outbox()).toEqual([
      { kind: SYNC_OUTBOX_KIND, entity_id: 'a1', payload: '{"projectId":"p1","documentId":"d1","annotationId":"a1","annotatorId":"ada","version":1}', state: 'pending', next_attempt_at: now },
      { kind: SYNC_OUTBOX_KIND, entity_id: 'g1', payload: '{"projectId":"p1","documentId":"d1","annotationId":"g1","annotatorId":"ada","version":1,"kind":"gold"}', state: 'pending', next_attempt_at: now },
    ]);
    expect(SYNC_OUTBOX_KIND).toBe('annotation_version');
    expect(db.prepare("SELECT id, status, verified_at FROM annotations ORDER BY id").all()).toEqual([
      { id: 'a1', status: 'verified', verified_at: now },
      { id: 'g1', status: 'verified', verified_at: now },
    ]);
    // Frozen: the schema refuses changes to a verified version's content.
    expect(() => db.prepare("UPDATE boxes SET label = 'x' WHERE annotation_id = 'a1'").run()).toThrow();
  });

  it('freezes received work as it was verified elsewhere without enqueueing it, and refuses evidence the version does not have', () => {
    const versions = new VersionsRepo(db);
    versions.insert({ ...key({}), ...content }, { now, verifiedAt: '2025-12-31T00:00:00.000Z', enqueue: false });
    expect(outbox()).toEqual([]);
    expect(db.prepare("SELECT status, verified_at, updated_at FROM annotations WHERE id = 'a1'").get()).toEqual({ status: 'verified', verified_at: '2025-12-31T00:00:00.000Z', updated_at: '2025-12-31T00:00:00.000Z' });
    const dangling = { ...content, qa: [{ ...content.qa[0]!, evidenceBoxIds: ['ghost'] }] };
    expect(() => db.transaction(() => versions.insert({ ...key({ annotationId: 'a2', version: 2 }), ...dangling }, { now, enqueue: true }))()).toThrow(/cites box ghost/);
    expect(db.prepare("SELECT COUNT(*) AS n FROM annotations WHERE id = 'a2'").get()).toEqual({ n: 0 });
    expect(outbox()).toEqual([]);
  });
});
