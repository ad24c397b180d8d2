// Benchmark program (run as a child process by shutdown.ts): the same N in-flight tasks and
// 1 ms of async cleanup each, shut down with close-with-grace. argv[3] picks how tasks learn of
// the shutdown:
//   gate    every task awaits one shared promise that the close handler resolves (the floor);
//   signal  every task awaits the 'abort' event of one shared AbortController's signal (what
//           idiomatic code does; AbortSignal dispatch to N listeners costs more).
// On SIGTERM the handler releases the tasks and awaits them all. Prints READY when every task is
// in flight.
import { once, setMaxListeners } from 'node:events';
import closeWithGrace from 'close-with-grace';

const n = Number(process.argv[2] ?? 10_000);
const mode = process.argv[3] ?? 'gate';
const cleanup = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1));

const controller = new AbortController();
setMaxListeners(0, controller.signal);
let release = (): void => {};
const gate = new Promise<void>((resolve) => {
  release = resolve;
});
const stopped = (): Promise<unknown> => (mode === 'gate' ? gate : once(controller.signal, 'abort'));

const tasks: Promise<void>[] = [];
let started = 0;
for (let i = 0; i < n; i++) {
  tasks.push(
    (async () => {
      started++;
      await stopped();
      await cleanup();
    })(),
  );
}
closeWithGrace({ delay: 25_000 }, async () => {
  release();
  controller.abort();
  await Promise.all(tasks);
});
await Promise.resolve();
if (started !== n) throw new Error(`${started} of ${n} tasks started`);
// Stands in for a server: something must keep the process alive until the signal.
setInterval(() => {}, 1 << 30);
console.log('READY');
