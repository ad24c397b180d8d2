// Benchmark program (run as a child process by shutdown.ts): N in-flight Warden tasks, each of
// which needs 1 ms of async cleanup once cancelled; SIGTERM starts the runtime's graceful
// shutdown. Prints READY when every task is in flight.
import { Runtime } from '../../src/index.js';

const n = Number(process.argv[2] ?? 10_000);
const cleanup = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1));

const runtime = new Runtime({ name: 'bench', deadlineMs: 25_000 });
runtime.installSignalHandlers();
let started = 0;
for (let i = 0; i < n; i++) {
  runtime.spawn(async (token) => {
    started++;
    await token.cancelled();
    await cleanup();
  }, `worker-${i}`);
}
await Promise.resolve();
if (started !== n) throw new Error(`${started} of ${n} tasks started`);
// Stands in for a server: something must keep the process alive until the signal.
setInterval(() => {}, 1 << 30);
console.log('READY');
