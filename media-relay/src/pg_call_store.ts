// The CallStore on Postgres: the call's persona and scenario from the call row and its allowance from
// private.call_allowance; final transcript segments as idempotent inserts; usage reports through private.record_usage,
// which prices them and answers the running charge. Twilio minutes are not written here: the status callback records
// them from Twilio's own duration when the call completes. Softphone browser calls, which have no Twilio, are started and
// completed here (private.start_browser_call / private.finish_browser_call); browser calls Twilio carries are not.
import pg from 'pg';
import type { CallSummary } from '../../core/src/call_summary.ts';
import type { Tables } from '../../core/src/database.types.ts';
import type { Log } from '../../core/src/log_line.ts';
import type { CallContext, CallOwnership, CallStore, EndedCallsWatch, InterimText, RunningCharge, TranscriptSegment, TurnLatency, UsageReport } from './call_store.ts';
import { composeSystemPrompt, type RememberedNotes } from './system_prompt.ts';
import type { EndReason } from './turn_taking.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** How much of what a persona remembers goes into the next call's prompt. */
export const PROMPT_FACTS = 20;
export const PROMPT_SUMMARIES = 3;
/** The channel the database notifies when a call ends while its media may still run (payload: the call id). */
export const CALL_ENDED_CHANNEL = 'call_ended';
const RELISTEN_FIRST_MS = 250;
const RELISTEN_MAX_MS = 5000;

type Nullable<T> = { [K in keyof T]: T[K] | null };

/**
 * The row loadCall reads: the call, its persona, customisation and scenario (left joins, so nullable) and its user,
 * typed from the generated database types. The rest are expressions: the allowance (private.call_allowance, a schema
 * the generated types leave out), the first name, and the voice settings as exact decimal text.
 */
type CallRow = Pick<Tables<'calls'>, 'id' | 'max_duration_seconds' | 'custom_instructions'> & { mode: CallContext['mode'] }
  & Pick<Tables<'personas'>, 'voice_id' | 'system_prompt' | 'traits'> & { persona_name: Tables<'personas'>['name']; persona_by_user: boolean }
  & Nullable<Pick<Tables<'user_persona_relationships'>, 'relationship_type' | 'nickname' | 'custom_prompt'>>
  & Nullable<Pick<Tables<'call_scenario_templates'>, 'opening_line'>> & {
    scenario_name: Tables<'call_scenario_templates'>['name'] | null;
    scenario_prompt: Tables<'call_scenario_templates'>['prompt'] | null;
    scenario_by_user: boolean;
    timezone: Tables<'users'>['timezone'] | null;
    cutoff_cents: number | null;
    warn_cents: number | null;
    user_first_name: string | null;
    stability: string;
    similarity_boost: string;
    style: string;
    speed: string;
  };

export class PgCallStore implements CallStore {
  private readonly pool: pg.Pool;
  private readonly log: Log;
  private readonly databaseUrl: string;

  constructor(databaseUrl: string, log: Log) {
    this.databaseUrl = databaseUrl;
    this.pool = new pg.Pool({ connectionString: databaseUrl, max: 4, idleTimeoutMillis: 30_000 });
    this.pool.on('error', (err) => log('relay.db.pool_error', { level: 'error', err }));
    this.log = log;
  }

  async loadCall(callId: string): Promise<CallContext | null> {
    if (!UUID.test(callId)) return null;
    const r = await this.pool.query<CallRow>(
      `select c.id, c.mode, c.max_duration_seconds, c.custom_instructions,
              p.name as persona_name, p.voice_id, p.system_prompt, (p.owner_id is not null) as persona_by_user, p.traits,
              rel.relationship_type, rel.nickname, rel.custom_prompt,
              s.name as scenario_name, s.prompt as scenario_prompt, s.opening_line, (s.user_id is not null) as scenario_by_user,
              a.cutoff_cents, a.warn_cents,
              nullif(split_part(coalesce(u.name, ''), ' ', 1), '') as user_first_name, u.timezone,
              coalesce(rel.voice_stability, p.default_voice_stability)::text as stability,
              coalesce(rel.voice_similarity_boost, p.default_voice_similarity_boost)::text as similarity_boost,
              coalesce(rel.voice_style, p.default_voice_style)::text as style,
              coalesce(rel.voice_speed, p.default_voice_speed)::text as speed
         from public.calls c
         join public.personas p on p.id = c.persona_id
         join public.users u on u.id = c.user_id
         left join public.user_persona_relationships rel on rel.id = c.relationship_id
         left join public.call_scenario_templates s on s.id = c.scenario_template_id
         left join lateral private.call_allowance(c.user_id, c.payment_method, c.mode = 'phone' or c.twilio_call_sid is not null,
                                                  c.max_duration_seconds, c.id) a on true
        where c.id = $1 and c.status not in ('completed', 'busy', 'no_answer', 'failed', 'canceled')`,
      [callId]
    );
    const row = r.rows[0];
    if (!row) return null;
    const memory = await this.memoryFor(callId);
    return {
      callId: row.id,
      personaName: row.persona_name,
      systemPrompt: composeSystemPrompt({
        personaPrompt: row.system_prompt, personaName: row.persona_name,
        personaByUser: row.persona_by_user, personaTraits: row.traits, relationshipType: row.relationship_type,
        nickname: row.nickname, customPrompt: row.custom_prompt, scenarioName: row.scenario_name,
        scenarioPrompt: row.scenario_prompt, openingLine: row.opening_line, scenarioByUser: row.scenario_by_user,
        callInstructions: row.custom_instructions, userFirstName: row.user_first_name, timezone: row.timezone, now: new Date(),
        memories: memory.notes
      }),
      voiceId: row.voice_id,
      maxDurationSeconds: row.max_duration_seconds,
      cutoffCents: row.cutoff_cents,
      warnCents: row.warn_cents,
      mode: row.mode,
      voiceSettings: { stability: Number(row.stability), similarityBoost: Number(row.similarity_boost), style: Number(row.style), speed: Number(row.speed) },
      memoryEnabled: memory.enabled
    };
  }

  /**
   * Whether the call's persona remembers its user (memory is on without a customisation row), and if so the newest
   * facts and summaries for the prompt. With memory off nothing is read, so nothing is sent.
   */
  async memoryFor(callId: string): Promise<{ enabled: boolean; notes: RememberedNotes | null }> {
    const r = await this.pool.query<{ enabled: boolean; kind: 'fact' | 'summary' | null; text: string | null; created_at: Date | null }>(
      `select coalesce(rel.memory_enabled, true) as enabled, m.kind, m.text, m.created_at
         from public.calls c
         left join public.user_persona_relationships rel on rel.user_id = c.user_id and rel.persona_id = c.persona_id
         left join lateral (
           (select f.kind, f.text, f.created_at from public.persona_memories f
             where f.user_id = c.user_id and f.persona_id = c.persona_id and f.kind = 'fact'
             order by f.created_at desc, f.id limit $2)
           union all
           (select s.kind, s.text, s.created_at from public.persona_memories s
             where s.user_id = c.user_id and s.persona_id = c.persona_id and s.kind = 'summary'
             order by s.created_at desc, s.id limit $3)
         ) m on coalesce(rel.memory_enabled, true)
        where c.id = $1`,
      [callId, PROMPT_FACTS, PROMPT_SUMMARIES]
    );
    const enabled = r.rows[0]?.enabled ?? false;
    const rows = r.rows.filter((m) => m.kind !== null && m.text !== null);
    if (!enabled || rows.length === 0) return { enabled, notes: null };
    return {
      enabled,
      notes: {
        facts: rows.filter((m) => m.kind === 'fact').map((m) => m.text!),
        summaries: rows.filter((m) => m.kind === 'summary').map((m) => ({ text: m.text!, at: m.created_at! }))
      }
    };
  }

  async saveCallSummary(callId: string, summary: CallSummary): Promise<string> {
    const r = await this.pool.query<{ result: string }>('select private.record_call_summary($1, $2, $3::text[]) as result', [callId, summary.summary, summary.facts]);
    return r.rows[0]?.result ?? 'unknown_call';
  }

  async callOwnership(callId: string): Promise<CallOwnership | null> {
    if (!UUID.test(callId)) return null;
    const r = await this.pool.query<{ id: string; user_id: string; mode: 'phone' | 'browser'; finished: boolean }>(
      `select id, user_id, mode, private.call_status_is_terminal(status) as finished from public.calls where id = $1`, [callId]);
    const row = r.rows[0];
    return row ? { callId: row.id, userId: row.user_id, mode: row.mode, finished: row.finished } : null;
  }

  async startBrowserCall(callId: string): Promise<boolean> {
    const r = await this.pool.query<{ status: string | null }>('select private.start_browser_call($1) as status', [callId]);
    return r.rows[0]?.status === 'in_progress';
  }

  /** A session that was signed out must not open a call (token_blacklist holds revoked session ids). */
  async isSessionRevoked(sessionId: string): Promise<boolean> {
    const r = await this.pool.query('select 1 from public.token_blacklist where token_id = $1', [sessionId]);
    return (r.rowCount ?? 0) > 0;
  }

  async broadcastInterim(callId: string, interim: InterimText): Promise<void> {
    await this.pool.query(`select realtime.send($1::jsonb, 'interim', $2, true)`, [
      JSON.stringify({ speaker: interim.speaker, text: interim.text.slice(0, 500) }), `call:${callId}`
    ]);
  }

  async saveTranscript(segments: readonly TranscriptSegment[]): Promise<void> {
    if (segments.length === 0) return;
    await this.pool.query(
      `insert into public.call_transcript_segments (call_id, user_id, seq, speaker, text, start_ms, end_ms, interrupted)
       select s.call_id, c.user_id, s.seq, s.speaker, s.text, s.start_ms, s.end_ms, s.interrupted
         from unnest($1::uuid[], $2::int[], $3::text[], $4::text[], $5::int[], $6::int[], $7::boolean[])
                as s(call_id, seq, speaker, text, start_ms, end_ms, interrupted)
         join public.calls c on c.id = s.call_id
       on conflict (call_id, seq) do nothing`,
      [
        segments.map((s) => s.callId), segments.map((s) => s.seq), segments.map((s) => s.speaker),
        segments.map((s) => s.text.slice(0, 10_000)), segments.map((s) => s.startMs), segments.map((s) => s.endMs),
        segments.map((s) => s.interrupted)
      ]
    );
  }

  async recordUsage(callId: string, reports: readonly UsageReport[], lineSeconds: number): Promise<RunningCharge> {
    const events = reports.map((u) => ({
      key: u.key, service: u.service, usage: u.usage, quantity: u.quantity, model: u.model, occurred_at: u.occurredAt
    }));
    const r = await this.pool.query<{ charge_cents: string; warn_cents: number | null; cutoff_cents: number | null; unpriced: number }>(
      'select charge_cents::text, warn_cents, cutoff_cents, unpriced from private.record_usage($1, $2::jsonb, $3)',
      [callId, JSON.stringify(events), lineSeconds]);
    const row = r.rows[0]!;
    return { chargeCents: Number(row.charge_cents), warnCents: row.warn_cents, cutoffCents: row.cutoff_cents, unpriced: row.unpriced };
  }

  async saveTurnLatencies(rows: readonly TurnLatency[]): Promise<void> {
    if (rows.length === 0) return;
    await this.pool.query(
      `insert into public.call_turn_latencies
         (call_id, user_id, turn, stt_final_ms, llm_first_token_ms, tts_first_byte_ms, voice_to_voice_ms, interrupted, preemptive,
          acknowledged, wasted_llm_tokens)
       select r.call_id, c.user_id, r.turn, r.stt, r.llm, r.tts, r.v2v, r.interrupted, r.preemptive, r.acknowledged, r.wasted
         from unnest($1::uuid[], $2::int[], $3::int[], $4::int[], $5::int[], $6::int[], $7::boolean[], $8::boolean[], $9::boolean[], $10::int[])
                as r(call_id, turn, stt, llm, tts, v2v, interrupted, preemptive, acknowledged, wasted)
         join public.calls c on c.id = r.call_id
       on conflict (call_id, turn) do nothing`,
      [
        rows.map((r) => r.callId), rows.map((r) => r.turn), rows.map((r) => r.sttFinalMs), rows.map((r) => r.llmFirstTokenMs),
        rows.map((r) => r.ttsFirstByteMs), rows.map((r) => r.voiceToVoiceMs), rows.map((r) => r.interrupted),
        rows.map((r) => r.preemptive), rows.map((r) => r.acknowledged), rows.map((r) => r.wastedLlmTokens)
      ]
    );
  }

  async finishCall(callId: string, endReason: EndReason, mediaSeconds: number): Promise<void> {
    // The relay says its media is over and its usage flushed (settlement waits for that) and why the conversation
    // ended; for a phone call the final status callback turns that into end_reason. A softphone browser call has no
    // status callbacks: private.finish_browser_call completes it here with the measured duration. A browser call
    // Twilio carries (Voice SDK, bound to a CallSid) is Twilio's to complete, like a phone call. Then settlement is
    // requested; it is idempotent and also requested by the status callback, so whichever comes last finds
    // everything in place.
    // The relay hangs up before it writes, so Twilio's final status often lands first: with no media reason yet, the
    // status callback can only guess user_hung_up, and the relay's own reason replaces that guess. (SET reads the
    // row as it was, so media_end_reason here is null only on the relay's first report.)
    await this.pool.query(
      `update public.calls
          set media_ended_at = coalesce(media_ended_at, now()),
              media_end_reason = coalesce(media_end_reason, $2),
              end_reason = case
                when not private.call_status_is_terminal(status) then end_reason
                when end_reason is null then $2
                when status = 'completed' and end_reason = 'user_hung_up' and media_end_reason is null then $2
                else end_reason end
        where id = $1`,
      [callId, endReason]
    );
    await this.pool.query(
      'select private.finish_browser_call(c.id, $2, $3) from public.calls c where c.id = $1 and c.twilio_call_sid is null',
      [callId, endReason, Math.round(mediaSeconds)]
    );
    const settled = await this.pool.query<{ s: string }>('select private.settle_finished_call($1) as s', [callId]);
    this.log('relay.call.finished', { call_id: callId, reason: endReason, settlement: settled.rows[0]?.s });
  }

  /**
   * LISTENs on call_ended on a connection of its own (a pooled one would be handed to other queries) and reconnects,
   * backing off up to 5 s, whenever that connection is lost (a database restart or failover): every relay listens,
   * so each hears every call that ends. A notification sent while not listening is lost, so after each (re)connect
   * the calls this relay carries are looked up and those already finished are reported.
   */
  watchEndedCalls(onEnded: (callId: string) => void, liveCalls: () => string[]): EndedCallsWatch {
    let stopped = false;
    let current: pg.Client | null = null;
    let retryMs = RELISTEN_FIRST_MS;
    let timer: NodeJS.Timeout | null = null;
    const later = () => {
      if (stopped || timer) return;
      timer = setTimeout(() => { timer = null; void listen(); }, retryMs);
      retryMs = Math.min(retryMs * 2, RELISTEN_MAX_MS);
    };
    const listen = async () => {
      const client = new pg.Client({ connectionString: this.databaseUrl, keepAlive: true });
      let lost = false;
      const onLost = (err?: Error) => {
        if (lost) return;
        lost = true;
        if (current === client) current = null;
        if (!stopped) this.log('relay.db.listen_lost', { level: 'warn', ...(err ? { err } : {}) });
        client.end().catch(() => undefined);
        later();
      };
      client.on('error', onLost);
      client.on('end', () => onLost());
      client.on('notification', (n) => {
        if (n.channel === CALL_ENDED_CHANNEL && n.payload && UUID.test(n.payload)) onEnded(n.payload);
      });
      try {
        await client.connect();
        await client.query(`listen ${CALL_ENDED_CHANNEL}`);
        if (stopped) return void (await client.end().catch(() => undefined));
        current = client;
        retryMs = RELISTEN_FIRST_MS;
        this.log('relay.db.listening', { channel: CALL_ENDED_CHANNEL });
        const live = liveCalls().filter((id) => UUID.test(id));
        if (live.length > 0) {
          const ended = await client.query<{ id: string }>(
            'select id from public.calls where id = any($1::uuid[]) and private.call_status_is_terminal(status)', [live]);
          for (const r of ended.rows) onEnded(r.id);
        }
      } catch (err) {
        onLost(err as Error);
      }
    };
    void listen();
    return {
      close: async () => {
        stopped = true;
        if (timer) clearTimeout(timer);
        const c = current;
        current = null;
        await c?.end().catch(() => undefined);
      }
    };
  }

  /** For readiness: a pool slot and a round trip to the database. */
  async ping(): Promise<void> {
    await this.pool.query('select 1');
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
