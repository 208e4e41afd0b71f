import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSchema, parse, validate, type DocumentNode, type GraphQLError, type GraphQLSchema } from 'graphql';

/**
 * The reconstructed W&B GraphQL schema (a copy of shared/reference/wandb/schema.graphql, kept in
 * the repository so the simulator runs anywhere). Every document the simulator receives, and
 * every document Folio can send, is validated against it.
 */
export const schemaFile = join(dirname(fileURLToPath(import.meta.url)), 'schema.graphql');

let cached: GraphQLSchema | undefined;
export function wandbSchema(): GraphQLSchema {
  cached ??= buildSchema(readFileSync(schemaFile, 'utf8'));
  return cached;
}

/** Parse and validate one document; returns the parsed document or the list of problems. */
export function checkDocument(source: string): { document: DocumentNode; errors: readonly GraphQLError[] } | { document: null; errors: readonly GraphQLError[] } {
  let document: DocumentNode;
  try {
    document = parse(source);
  } catch (err) {
    return { document: null, errors: [err as GraphQLError] };
  }
  const errors = validate(wandbSchema(), document);
  return errors.length ? { document: null, errors } : { document, errors: [] };
}
