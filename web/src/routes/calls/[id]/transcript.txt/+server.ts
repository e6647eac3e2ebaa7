// A call's transcript as a text file to keep. Row-level security answers nothing for someone else's call, which
// reads the same as a call that does not exist.
import { json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { transcriptFileName, transcriptText, type TranscriptLine } from '$lib/transcript_text';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NOT_FOUND = { code: 'call_not_found', message: 'This call does not exist or is not yours.' };

export const GET: RequestHandler = async ({ locals, params }) => {
  if (!UUID.test(params.id)) return json(NOT_FOUND, { status: 404 });
  const [call, lines] = await Promise.all([
    locals.supabase.from('calls').select('id, created_at, personas(name)').eq('id', params.id).maybeSingle(),
    locals.supabase.from('call_transcript_segments').select('seq, speaker, text, start_ms, interrupted').eq('call_id', params.id).order('seq')
  ]);
  if (call.error || lines.error) return json({ code: 'transcript_unavailable', message: 'The transcript could not be loaded right now. Try again in a moment.' }, { status: 503 });
  if (!call.data) return json(NOT_FOUND, { status: 404 });
  const personaName = (call.data.personas as { name?: string } | null)?.name ?? 'Persona';
  const body = transcriptText({ personaName, startedAt: call.data.created_at, lines: (lines.data ?? []) as TranscriptLine[] });
  return new Response(body, {
    headers: {
      'content-type': 'text/plain; charset=utf-8',
      'content-disposition': `attachment; filename="${transcriptFileName(personaName, call.data.created_at, call.data.id)}"`,
      'cache-control': 'private, no-store'
    }
  });
};
