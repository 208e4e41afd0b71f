import { useEffect, useState } from 'react';
import type { ResponseOf } from '../../../shared/contract';
import { api } from '../lib/api';
import { errorMessage } from '../lib/errors';

export type Model = ResponseOf<'preannotate.models'>[number];

/** The models of the price table (resources/models.json, or models.json in the data folder), read once per mount. */
export function useModels(): { models: Model[] | null; error: string | null } {
  const [state, setState] = useState<{ models: Model[] | null; error: string | null }>({ models: null, error: null });
  useEffect(() => {
    let live = true;
    const client = api();
    client['preannotate.models']({})
      .then((models) => live && setState({ models, error: null }))
      .catch((err: unknown) => live && setState({ models: null, error: errorMessage(err) }));
    return () => {
      live = false;
    };
  }, []);
  return state;
}
