// The benchmark's side of an HTTP server child (fixtures/*.ts): spawn it with its own V8 and
// event loop (so clients in this process and the server do not share one thread), learn its
// URL, bracket rounds, release event sources, and stop it.

import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type ControlReply, type ControlRequest, type RoundStats, URL_PREFIX } from './protocol.js';

/** A running server child. */
export class ServerProcess {
  private _nextId = 1;
  private readonly _pending = new Map<
    number,
    { resolve: (reply: ControlReply) => void; reject: (error: Error) => void }
  >();
  private _exited: Error | undefined;
  private readonly _exit: Promise<void>;

  private constructor(
    private readonly _child: ChildProcess,
    /** Where it listens, e.g. `http://127.0.0.1:41234`. */
    readonly url: string,
    stderr: () => string,
  ) {
    this._exit = new Promise<void>((resolve) => {
      _child.once('exit', (code, signal) => {
        this._exited = new Error(
          `server child exited with ${code ?? signal}\n${stderr().slice(-4_000)}`,
        );
        for (const pending of this._pending.values()) pending.reject(this._exited);
        this._pending.clear();
        resolve();
      });
    });
    _child.on('message', (reply: ControlReply) => {
      const pending = this._pending.get(reply.id);
      this._pending.delete(reply.id);
      pending?.resolve(reply);
    });
  }

  /**
   * Start `fixtures/<fixture>.ts` (with `--expose-gc`, so it can measure itself after a GC) and
   * resolve once it has printed its URL.
   */
  static async start(fixture: string, ...args: string[]): Promise<ServerProcess> {
    const script = fileURLToPath(new URL(`./fixtures/${fixture}.ts`, import.meta.url));
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', script, ...args], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const url = await new Promise<string>((resolve, reject) => {
      let stdout = '';
      const onData = (chunk: string): void => {
        stdout += chunk;
        const line = stdout.split('\n').find((text) => text.startsWith(URL_PREFIX));
        if (line === undefined) return;
        child.stdout?.off('data', onData);
        child.off('exit', onExit);
        resolve(line.slice(URL_PREFIX.length).trim());
      };
      const onExit = (code: number | null): void =>
        reject(new Error(`${fixture} exited with ${code} before printing its URL\n${stderr}`));
      child.stdout?.setEncoding('utf8').on('data', onData);
      child.once('exit', onExit);
      child.once('error', reject);
    });
    // Nothing else is read from stdout; keep it flowing so the child never blocks on it.
    child.stdout?.resume();
    return new ServerProcess(child, url, () => stderr);
  }

  /** A round starts: the child collects garbage, notes its baseline and samples memory. */
  async roundStart(): Promise<void> {
    await this._request('round-start');
  }

  /** The round has ended: what the child measured of itself. */
  async roundEnd(): Promise<RoundStats> {
    const reply = await this._request('round-end');
    if (!reply.ok || reply.stats === undefined) throw new Error('round-end without stats');
    return reply.stats;
  }

  /** Let the event source of `taskId` go. */
  async release(taskId: string): Promise<void> {
    await this._request('release', taskId);
  }

  /** The child's CPU time so far, ms (user + system). */
  async cpuMs(): Promise<number> {
    const reply = await this._request('cpu');
    if (!reply.ok || reply.cpuMs === undefined) throw new Error('cpu without cpuMs');
    return reply.cpuMs;
  }

  /** The child's process id. */
  get pid(): number | undefined {
    return this._child.pid;
  }

  /** Disconnect (the child exits on it), and resolve once it has exited. */
  async stop(): Promise<void> {
    if (this._exited === undefined) {
      if (this._child.connected) this._child.disconnect();
      else this._child.kill();
      const timer = setTimeout(() => this._child.kill('SIGKILL'), 5_000);
      await this._exit;
      clearTimeout(timer);
    }
  }

  private _request(op: ControlRequest['op'], taskId?: string): Promise<ControlReply> {
    if (this._exited !== undefined) return Promise.reject(this._exited);
    const id = this._nextId++;
    const request = (op === 'release' ? { id, op, taskId } : { id, op }) as ControlRequest;
    return new Promise<ControlReply>((resolve, reject) => {
      this._pending.set(id, {
        resolve: (reply) =>
          reply.ok ? resolve(reply) : reject(new Error(`server child: ${reply.error}`)),
        reject,
      });
      this._child.send(request);
    });
  }
}
