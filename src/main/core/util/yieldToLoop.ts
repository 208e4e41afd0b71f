/** Let the event loop run timers and I/O before long synchronous work goes on (one macrotask turn). */
export const yieldToLoop = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));
