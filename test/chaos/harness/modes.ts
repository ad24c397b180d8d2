// The load modes of the chaos suite: what load, on which engine, with how many workers, which
// lease, and what is done to it. The full form (test/chaos/full.ts) runs FULL_MODES; the short
// form's tests (test/chaos/*.test.ts) run smaller ones.

/** One load run. */
export interface LoadMode {
  readonly name: string;
  /** `server`: `warden worker` processes on a PostgreSQL server; `pglite`: one `warden serve`. */
  readonly engine: 'server' | 'pglite';
  /** `saturated`: every job submitted at once; `steady`: `rate` jobs/s. */
  readonly shape: 'saturated' | 'steady';
  readonly jobs: number;
  readonly rate?: number;
  /** Worker processes (server; PGlite is always one `serve`). */
  readonly workers: number;
  readonly concurrency: number;
  readonly leaseMs: number;
  /** SIGKILL one process this often (then restart it), or never. */
  readonly killEveryMs?: number;
  /** Stop the run's own PostgreSQL cluster `afterMs` into the run, for `forMs`. */
  readonly outage?: { readonly afterMs: number; readonly forMs: number };
  /** Saturated: submit every job before the workers start (they find the whole backlog). */
  readonly backlogFirst?: boolean;
  /** Given to every job (server); undefined: the default (3). */
  readonly maxAttempts?: number;
}

/** The default lease and the shortest the docs allow. */
export const LEASES = [10_000, 1_000] as const;

const STEADY_RATE = 300;
const STEADY_SECONDS = 60;

function serverModes(): LoadMode[] {
  const modes: LoadMode[] = [];
  for (const kill of [false, true]) {
    for (const leaseMs of LEASES) {
      const common = {
        engine: 'server',
        workers: 3,
        concurrency: 10,
        leaseMs,
        ...(kill ? { killEveryMs: 2_000, maxAttempts: 20 } : {}),
      } as const;
      const tag = `${kill ? 'kill -9/2s' : 'no kill'}, lease ${leaseMs}`;
      modes.push({
        ...common,
        name: `pg saturated 3×c10, ${tag}`,
        shape: 'saturated',
        jobs: 20_000,
      });
      modes.push({
        ...common,
        name: `pg steady ${STEADY_RATE}/s 3×c10, ${tag}`,
        shape: 'steady',
        rate: STEADY_RATE,
        jobs: STEADY_RATE * STEADY_SECONDS,
      });
    }
  }
  modes.push({
    name: 'pg backlog 20,000 then 3×c10 start, no kill, lease 1000',
    engine: 'server',
    shape: 'saturated',
    jobs: 20_000,
    backlogFirst: true,
    workers: 3,
    concurrency: 10,
    leaseMs: 1_000,
  });
  modes.push({
    name: 'pg saturated 1×c50, no kill, lease 1000',
    engine: 'server',
    shape: 'saturated',
    jobs: 20_000,
    workers: 1,
    concurrency: 50,
    leaseMs: 1_000,
  });
  for (const leaseMs of LEASES) {
    modes.push({
      name: `pg steady ${STEADY_RATE}/s 3×c10, pg stop 5 s/start, lease ${leaseMs}`,
      engine: 'server',
      shape: 'steady',
      rate: STEADY_RATE,
      jobs: STEADY_RATE * 30,
      workers: 3,
      concurrency: 10,
      leaseMs,
      outage: { afterMs: 10_000, forMs: 5_000 },
      maxAttempts: 20,
    });
  }
  return modes;
}

function pgliteModes(): LoadMode[] {
  const modes: LoadMode[] = [];
  for (const kill of [false, true]) {
    for (const leaseMs of LEASES) {
      const common = {
        engine: 'pglite',
        workers: 1,
        concurrency: 10,
        leaseMs,
        ...(kill ? { killEveryMs: 3_000 } : {}),
      } as const;
      const tag = `${kill ? 'kill -9 after 3 s up' : 'no kill'}, lease ${leaseMs}`;
      modes.push({
        ...common,
        name: `pglite saturated c10, ${tag}`,
        shape: 'saturated',
        jobs: 20_000,
      });
      modes.push({
        ...common,
        name: `pglite steady ${STEADY_RATE}/s c10, ${tag}`,
        shape: 'steady',
        rate: STEADY_RATE,
        jobs: STEADY_RATE * STEADY_SECONDS,
      });
    }
  }
  return modes;
}

/** Every mode of the full form. */
export const FULL_MODES: readonly LoadMode[] = [...serverModes(), ...pgliteModes()];
