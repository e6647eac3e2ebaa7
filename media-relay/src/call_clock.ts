// One clock for every call in the process. Each call has periodic work (the turn-taking tick, flushing transcript
// and costs, the socket heartbeat); with a timer per job and call, a few hundred calls mean a thousand timers firing
// out of step. Here one timer walks the due jobs, and jobs of calls that started at different times stay spread.
// The timer aims each tick at start + k x tick, so a late tick does not move the ones after it: the line's audio is
// released on these ticks, and a clock that slipped by each tick's lateness would shift every call's frames.

/** How much before its time a timer may run, by rounding to whole milliseconds. */
const TIMER_SLACK_MS = 1;

interface Job {
  everyMs: number;
  nextAt: number;
  /** `at`: the tick's time on the clock's grid (the last grid point reached when it ran). */
  run: (at: number) => void;
}

export class CallClock {
  private readonly jobs = new Set<Job>();
  private timer: NodeJS.Timeout | null = null;
  private startedAt = 0;
  private ticks = 0;
  private readonly tickMs: number;
  private readonly now: () => number;

  constructor(opts: { tickMs?: number; now?: () => number } = {}) {
    this.tickMs = opts.tickMs ?? 20;
    this.now = opts.now ?? (() => performance.now());
  }

  /** Runs `run` about every `everyMs` (to the clock's tick) until the returned stop is called. */
  every(everyMs: number, run: (at: number) => void): () => void {
    const job: Job = { everyMs, nextAt: this.now() + everyMs, run };
    this.jobs.add(job);
    if (!this.timer) {
      this.startedAt = this.now();
      this.ticks = 0;
      this.schedule();
    }
    return () => {
      this.jobs.delete(job);
      if (this.jobs.size === 0 && this.timer) {
        clearTimeout(this.timer);
        this.timer = null;
      }
    };
  }

  get size(): number {
    return this.jobs.size;
  }

  /** The next tick on the schedule; ticks missed altogether are skipped, not run in a row. */
  private schedule(): void {
    const t = this.now();
    this.ticks = Math.max(this.ticks + 1, Math.floor((t - this.startedAt) / this.tickMs) + 1);
    const timer = setTimeout(() => {
      this.tick();
      // Unless the last job stopped during the tick (and perhaps a new one started the clock afresh).
      if (this.timer === timer) this.schedule();
    }, Math.max(0, this.startedAt + this.ticks * this.tickMs - t));
    this.timer = timer;
  }

  private tick(): void {
    const t = this.now();
    // Timers keep whole milliseconds, so a tick may run up to a millisecond before its time as well as after. Jobs
    // are told the last grid point the tick has reached, the same for both, and a job runs on the tick nearest its
    // time: a hair early must not put a job due every tick off to the next one.
    const at = this.startedAt + Math.floor((t - this.startedAt + TIMER_SLACK_MS) / this.tickMs) * this.tickMs;
    const early = this.tickMs / 2;
    for (const job of this.jobs) {
      if (t < job.nextAt - early) continue;
      // A late tick runs a job once, not once per period missed.
      job.nextAt = Math.max(job.nextAt + job.everyMs, t + 1);
      try {
        job.run(at);
      } catch {
        // One call's failure must not stop the others' clock; each job handles its own errors.
      }
    }
  }
}

/** The process's clock, shared by every call on every relay server in it. */
export const callClock = new CallClock();
