export { DEMO_SIM_SEED, startClaudeSimulator, type ClaudeSimulator, type ClaudeSimOptions, type FaultRule, type FaultKind, type SimLimits, type SimFaultRates, type SimRequestLog } from './server';
export { DEFAULT_NOISE, NO_NOISE, naturalAnswer, matchTemplate, type NoiseOptions } from './answer';
export { TruthRegistry, sourceNameFromPrompt } from './truth';
export { checkOutputSchema, conforms, fitToSchema, SchemaError } from './schemaRules';
export { simImageTokens, simResize, simTextTokens } from './tokens';
