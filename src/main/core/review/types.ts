/** The review engine's inputs and outputs are part of the contract the lead's view reads. */
export * from '../../../shared/domain/review';
