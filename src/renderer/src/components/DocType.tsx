import { docTypes, type DocType } from '../../../shared/domain/model';

export const docTypeLabels: Record<DocType, string> = { invoice: 'Invoice', receipt: 'Receipt', form: 'Form' };

/** "Invoice", or the words for a type nobody has set. */
export const docTypeLabel = (t: DocType | null, unset = 'Not set'): string => (t ? docTypeLabels[t] : unset);

/** A plain select of the document types and "not set" (''), for the type of a document or a filter. */
export function DocTypeOptions({ unset }: { unset: string }) {
  return (
    <>
      <option value="">{unset}</option>
      {docTypes.map((t) => (
        <option key={t} value={t}>
          {docTypeLabels[t]}
        </option>
      ))}
    </>
  );
}
