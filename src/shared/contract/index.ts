export * from './errors';
export * from './methods';
export * from './names';
export * from './rpc';
