export { DEMO_SIM_SEED, startClaudeSimulator, type ClaudeSimulator, type ClaudeSimOptions, type SimLimits, type SimRequestLog } from './server';
export type { FaultRule, FaultKind, SimFaultRates } from './faults';
export { DEFAULT_NOISE, NO_NOISE, naturalAnswer, matchTemplate, type NoiseOptions } from './answer';
export { TruthRegistry, sourceNameFromPrompt } from './truth';
export { checkOutputSchema, conforms, fitToSchema, SchemaError } from './schemaRules';
export { simImageTokens, simResize, simTextTokens } from './tokens';
