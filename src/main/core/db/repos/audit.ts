import type { Db } from '../open';
import { cachedStatement } from '../statementCache';

/** One audit row: who (null: the app itself) did what to which entity; `details` is stored as JSON. */
export interface AuditEntry {
  at: string;
  actor: string | null;
  action: string;
  entityType: 'annotation' | 'document' | 'project';
  entityId: string;
  details: unknown;
}

/** The one writer of the audit table. Call it inside the transaction whose change it records. */
export function recordAudit(db: Db, e: AuditEntry): void {
  cachedStatement(db, 'INSERT INTO audit (at, actor, action, entity_type, entity_id, details) VALUES (?, ?, ?, ?, ?, ?)').run(
    e.at,
    e.actor,
    e.action,
    e.entityType,
    e.entityId,
    JSON.stringify(e.details),
  );
}
