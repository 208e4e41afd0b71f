import type { Box } from '../../../../shared/domain/model';
import type { Change } from '../changes';

export const newId = (): string => crypto.randomUUID();

/** One box's part of a change (null before: created; null after: deleted). */
export const boxChange = (before: Box | null, after: Box | null): Change['boxes'][number] => ({ id: (after ?? before)!.id, before, after });
