import type { Db } from '../open';
import { cachedStatement } from '../statementCache';

// The one writer of the annotators table; the two differ only in whether a known name changes.

/** The person working here: added, or renamed to the name they go by now. */
export function ensureAnnotator(db: Db, id: string, name: string, now: string): void {
  cachedStatement(db, 'INSERT INTO annotators (id, name, created_at) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET name = excluded.name WHERE name <> excluded.name').run(id, name, now);
}

/** Someone whose work was received: added if unknown; a name already known here is left as it is. */
export function knowAnnotator(db: Db, id: string, name: string, now: string): void {
  cachedStatement(db, 'INSERT INTO annotators (id, name, created_at) VALUES (?, ?, ?) ON CONFLICT(id) DO NOTHING').run(id, name, now);
}
