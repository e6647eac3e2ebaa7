// Auth's outgoing mail. Nothing is sent: mails are kept in memory and listed at `GET /devstack/mail?to=<email>`,
// as Inbucket/Mailpit do for `supabase start`, so tests and people can follow confirmation and recovery links.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '../gateway/http.ts';
import type { RequestContext, Service } from '../gateway/types.ts';

export type MailKind = 'signup' | 'recovery';

export interface Mail {
  id: number;
  to: string;
  subject: string;
  html: string;
  text: string;
  type: MailKind;
  /** The link the mail asks the reader to follow (GoTrue's ConfirmationURL). */
  link: string;
  /** GoTrue's {{ .TokenHash }}, for links that point at the app (verifyOtp with token_hash). */
  token_hash: string;
  /** GoTrue's {{ .Token }}: the six-digit code. */
  token: string;
  /** The redirect the link ends at (after the allow-list). */
  redirect_to: string;
  sent_at: string;
}

export const STAND_IN_NOTE = 'devstack mail outbox (a stand-in): this message was not sent to anyone.';

const MAX_MAILS = 2000;

export class MailOutbox {
  private mails: Mail[] = [];
  private nextId = 1;

  send(mail: Omit<Mail, 'id' | 'sent_at'>): Mail {
    const stored: Mail = { id: this.nextId++, ...mail, sent_at: new Date().toISOString() };
    this.mails.push(stored);
    if (this.mails.length > MAX_MAILS) this.mails.splice(0, this.mails.length - MAX_MAILS);
    return stored;
  }

  /** Newest last; addresses compare case-insensitively. */
  list(to?: string): Mail[] {
    if (!to) return [...this.mails];
    const want = to.trim().toLowerCase();
    return this.mails.filter((m) => m.to.toLowerCase() === want);
  }
}

function subjectTemplate(kind: MailKind): { subject: string; heading: string; lead: string; action: string } {
  return kind === 'signup'
    ? { subject: 'Confirm Your Signup', heading: 'Confirm your signup', lead: 'Follow this link to confirm your user:', action: 'Confirm your mail' }
    : { subject: 'Reset Your Password', heading: 'Reset Password', lead: 'Follow this link to reset the password for your user:', action: 'Reset Password' };
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** GoTrue's default templates, plus the code and a line saying the mail never left devstack. */
export function composeMail(kind: MailKind, link: string, token: string): { subject: string; html: string; text: string } {
  const t = subjectTemplate(kind);
  const html =
    `<h2>${t.heading}</h2>\n<p>${t.lead}</p>\n<p><a href="${escapeHtml(link)}">${t.action}</a></p>\n` +
    `<p>Alternatively, enter the code: ${token}</p>\n<p><small>${STAND_IN_NOTE}</small></p>\n`;
  const text = `${t.heading}\n\n${t.lead}\n${link}\n\nAlternatively, enter the code: ${token}\n\n${STAND_IN_NOTE}\n`;
  return { subject: t.subject, html, text };
}

export function mailService(outbox: MailOutbox): Service {
  return {
    http: async (req: IncomingMessage, res: ServerResponse, ctx: RequestContext) => {
      if (ctx.path !== '/') {
        sendJson(res, 404, { message: 'Not found. List mail with GET /devstack/mail?to=<email>.' });
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        sendJson(res, 405, { message: 'The mail outbox is read-only: use GET /devstack/mail?to=<email>.' });
        return;
      }
      const to = ctx.url.searchParams.get('to') ?? undefined;
      sendJson(res, 200, outbox.list(to), { 'Cache-Control': 'no-store' });
    }
  };
}
