import { describe, expect, it } from 'vitest';
import { composeMail, MailOutbox, STAND_IN_NOTE } from './mail_outbox.ts';

describe('mail outbox', () => {
  it('keeps mails per address (case-insensitively), newest last, stamped with an id and time', () => {
    const box = new MailOutbox();
    const base = { type: 'signup' as const, link: 'http://l', token_hash: 'h', token: '123456', redirect_to: 'http://r', subject: 's', html: 'h', text: 't' };
    box.send({ ...base, to: 'A@example.test' });
    box.send({ ...base, to: 'b@example.test' });
    box.send({ ...base, to: 'a@example.test', type: 'recovery' });
    const mine = box.list('a@EXAMPLE.test');
    expect(mine.map((m) => m.type)).toEqual(['signup', 'recovery']);
    expect(mine[1]!.id).toBe(3);
    expect(Date.parse(mine[0]!.sent_at)).not.toBeNaN();
    expect(box.list()).toHaveLength(3);
  });

  it('uses GoTrue default wording with the link and code, and says it is a stand-in', () => {
    const mail = composeMail('recovery', 'http://x/verify?token=t&type=recovery', '654321');
    expect(mail.subject).toBe('Reset Your Password');
    expect(mail.html).toContain('href="http://x/verify?token=t&amp;type=recovery"');
    expect(mail.text).toContain('654321');
    expect(mail.text).toContain(STAND_IN_NOTE);
    expect(composeMail('signup', 'l', '1').subject).toBe('Confirm Your Signup');
  });
});
