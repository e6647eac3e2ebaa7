// The dispatcher's database side: the claim (private.claim_due_scheduled_calls) and the next occurrences it implies
// commit together, so a run that dies half-way leaves every occurrence pending and no orphan next occurrence.
import type { Tables } from '../../core/src/database.types.ts';
import { inTransaction, type Db } from '../_shared/db.ts';
import type { ClaimOptions, Occurrence, ScheduleStore } from './dispatcher.ts';

/**
 * What the claim returns (setof public.scheduled_calls), typed from the generated database types; node-postgres gives
 * timestamps as Dates, recurrence is text whose check constraint allows exactly Occurrence's values, and the claim
 * returns only the rows it claimed or found missed.
 */
type Row = Pick<Tables<'scheduled_calls'>, 'id' | 'user_id' | 'persona_id' | 'scenario_template_id' | 'phone_number_id' |
  'custom_instructions' | 'max_duration_seconds' | 'timezone' | 'local_time' | 'failure_reason'> & {
  payment_method: Occurrence['payment_method'];
  status: Occurrence['status'];
  scheduled_time: Date;
  dial_at: Date | null;
  recurrence: Occurrence['recurrence'];
};

export function postgresScheduleStore(db: Db): ScheduleStore {
  return {
    claim: (opts: ClaimOptions, nextAt) =>
      inTransaction(db, async (tx) => {
        const r = await tx.query<Row>(
          `select f.id, f.user_id, f.persona_id, f.scenario_template_id, f.phone_number_id, f.custom_instructions,
                  f.max_duration_seconds, s.payment_method, f.scheduled_time, f.timezone, f.local_time::text as local_time,
                  f.recurrence, f.status, f.failure_reason, f.dial_at
             from private.claim_due_scheduled_calls(
               p_limit => $1, p_calls_per_second => $2, p_now => $3,
               p_lookahead => make_interval(secs => $4), p_missed_after => make_interval(secs => $5),
               p_horizon => make_interval(secs => $6), p_user_ids => $7::uuid[]) f
             join public.scheduled_calls s on s.id = f.id`,
          [opts.limit, opts.callsPerSecond, opts.now, opts.lookaheadSeconds, opts.missedAfterSeconds, opts.horizonSeconds,
           opts.onlyUserIds ?? null]
        );
        let nextCreated = 0;
        for (const row of r.rows) {
          if (row.recurrence === 'none') continue;
          const at = nextAt(row);
          if (!at) continue;
          const n = await tx.query<{ id: string | null }>('select private.schedule_next_occurrence($1, $2) as id', [row.id, at]);
          if (n.rows[0]?.id) nextCreated++;
        }
        return { occurrences: r.rows, nextCreated };
      }),

    async markDispatched(id, callId) {
      await db.query(
        `update public.scheduled_calls set status = 'dispatched', call_id = $2, dispatched_at = now()
          where id = $1 and status = 'claimed'`, [id, callId]);
    },

    async markFailed(id, reason) {
      await db.query(
        `update public.scheduled_calls
            set status = 'failed', failure_reason = $2,
                call_id = (select c.id from public.calls c where c.scheduled_call_id = $1)
          where id = $1 and status = 'claimed'`, [id, reason]);
    },

    async markMissed(id, reason) {
      await db.query(
        `update public.scheduled_calls set status = 'missed', failure_reason = $2 where id = $1 and status = 'claimed'`,
        [id, reason]);
    },

    async callFor(id) {
      const r = await db.query<{ id: string; dialed: boolean }>(
        'select id, twilio_call_sid is not null as dialed from public.calls where scheduled_call_id = $1', [id]);
      return r.rows[0] ?? null;
    }
  };
}
