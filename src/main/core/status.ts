import type { Db } from './db/open';

export interface FolioStatus {
  dataDir: string;
  projects: number;
  documents: number;
  pages: number;
  verified: number;
  outbox: { pending: number; inFlight: number; dead: number };
  perProject: { id: string; name: string; documents: number; verified: number }[];
}

/** Counts for `folio status`, read in one snapshot. */
export function readStatus(db: Db, dataDir: string): FolioStatus {
  return db.transaction(() => {
    const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    const outbox = { pending: 0, inFlight: 0, dead: 0 };
    for (const row of db.prepare('SELECT state, COUNT(*) AS n FROM outbox GROUP BY state').all() as { state: string; n: number }[]) {
      if (row.state === 'pending') outbox.pending = row.n;
      else if (row.state === 'in_flight') outbox.inFlight = row.n;
      else if (row.state === 'dead') outbox.dead = row.n;
    }
    return {
      dataDir,
      projects: count('SELECT COUNT(*) AS n FROM projects'),
      documents: count('SELECT COUNT(DISTINCT document_id) AS n FROM project_documents'),
      pages: count('SELECT COALESCE(SUM(d.page_count), 0) AS n FROM documents d WHERE d.id IN (SELECT document_id FROM project_documents)'),
      verified: count("SELECT COUNT(*) AS n FROM project_documents WHERE status = 'verified'"),
      outbox,
      perProject: db
        .prepare(
          `SELECT p.id, p.name,
             (SELECT COUNT(*) FROM project_documents pd WHERE pd.project_id = p.id) AS documents,
             (SELECT COUNT(*) FROM project_documents pd WHERE pd.project_id = p.id AND pd.status = 'verified') AS verified
           FROM projects p ORDER BY p.name`,
        )
        .all() as FolioStatus['perProject'],
    };
  })();
}
