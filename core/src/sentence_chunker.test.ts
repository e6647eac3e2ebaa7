import { describe, expect, it } from 'vitest';
import { SentenceChunker, splitSentences } from './sentence_chunker.ts';

/** Feeds tokens one by one and records, for each token, what came out. */
function stream(tokens: string[], chunker = new SentenceChunker()): { perToken: string[][]; all: string[] } {
  const perToken = tokens.map((t) => chunker.push(t));
  const all = [...perToken.flat(), ...chunker.flush()];
  return { perToken, all };
}

describe('SentenceChunker streaming', () => {
  it('emits each sentence as soon as the character after its end arrives', () => {
    const { perToken, all } = stream(['Hello there', ', I am', ' Brad.', ' How are', ' you today?', ' Great', '!']);
    expect(perToken).toEqual([[], [], [], ['Hello there, I am Brad.'], [], ['How are you today?'], []]);
    expect(all).toEqual(['Hello there, I am Brad.', 'How are you today?', 'Great!']);
  });

  it('ends sentences at newlines immediately and drops blank lines', () => {
    const c = new SentenceChunker();
    expect(c.push('First line without a stop\n')).toEqual(['First line without a stop']);
    expect(c.push('\n\n  \nSecond line here.\n')).toEqual(['Second line here.']);
    expect(c.flush()).toEqual([]);
  });

  it('treats ! ? … and runs of them as ends, keeping closing quotes', () => {
    expect(splitSentences('Wait, really?! That is wild… He said "stop right there." Then he left (quickly.) Fine by me.')).toEqual([
      'Wait, really?!',
      'That is wild…',
      'He said "stop right there."',
      'Then he left (quickly.)',
      'Fine by me.',
    ]);
    expect(splitSentences('Well... I suppose so. Maybe later.')).toEqual(['Well... I suppose so.', 'Maybe later.']);
  });
});

describe('SentenceChunker does not split inside', () => {
  it('abbreviations, initials and dotted tokens', () => {
    expect(
      splitSentences('Dr. Smith and Mrs. Jones met J. R. Tolkien at 5 p.m. on the first day. Bring e.g. a pen, i.e. something to write with.'),
    ).toEqual([
      'Dr. Smith and Mrs. Jones met J. R. Tolkien at 5 p.m. on the first day.',
      'Bring e.g. a pen, i.e. something to write with.',
    ]);
  });

  it('decimals, even when the number arrives in pieces', () => {
    const { perToken, all } = stream(['It costs 3', '.', '5 dollars', ' or 1', '.', '25 euros.', ' Okay then, we go.']);
    expect(perToken.slice(0, 6).flat()).toEqual([]);
    expect(all).toEqual(['It costs 3.5 dollars or 1.25 euros.', 'Okay then, we go.']);
  });

  it('web addresses and version numbers', () => {
    expect(splitSentences('Visit example.com for version 2.0.1 of the app. Thanks for asking.')).toEqual([
      'Visit example.com for version 2.0.1 of the app.',
      'Thanks for asking.',
    ]);
  });

  it('but does split after ordinary words that look like abbreviations elsewhere', () => {
    expect(splitSentences('I told him no. Then he left for good.')).toEqual(['I told him no.', 'Then he left for good.']);
    expect(splitSentences('I counted to 3. Then I opened my eyes.')).toEqual(['I counted to 3.', 'Then I opened my eyes.']);
  });
});

describe('SentenceChunker lengths', () => {
  it('merges fragments shorter than minLength into the next sentence', () => {
    expect(splitSentences('Hi! Ok. I am Brad, your coach. Ready?')).toEqual(['Hi! Ok. I am Brad, your coach.', 'Ready?']);
    expect(splitSentences('Hi! Ok. I am Brad.', { minLength: 0 })).toEqual(['Hi!', 'Ok.', 'I am Brad.']);
  });

  it('flushes a short tail rather than losing it', () => {
    const c = new SentenceChunker({ minLength: 20 });
    expect(c.push('Yes. ')).toEqual([]);
    expect(c.flush()).toEqual(['Yes.']);
    expect(c.flush()).toEqual([]);
  });

  it('cuts run-on text at a soft break, else at a space', () => {
    const c = new SentenceChunker({ maxLength: 40 });
    const out = c.push('This goes on and on without stopping, and then it keeps going some more');
    expect(out).toEqual(['This goes on and on without stopping,']);
    expect(c.flush()).toEqual(['and then it keeps going some more']);
    const words = new SentenceChunker({ maxLength: 20 });
    expect(words.push('aaaa bbbb cccc dddd eeee ffff gggg')).toEqual(['aaaa bbbb cccc dddd']);
    expect(words.flush()).toEqual(['eeee ffff gggg']);
    // No space at all: a hard cut at maxLength.
    expect(new SentenceChunker({ maxLength: 20 }).push('x'.repeat(45))).toEqual(['x'.repeat(20), 'x'.repeat(20)]);
  });

  it('rejects nonsensical options', () => {
    expect(() => new SentenceChunker({ minLength: 50, maxLength: 40 })).toThrow(RangeError);
  });
});

describe('SentenceChunker invariants', () => {
  const text =
    'Good morning! It is 7.30 a.m. and Dr. Patel says hi. Did you sleep well?\nToday: a run, e.g. 5 km, then work… ' +
    'Remember, "no excuses." Your meeting is at 10. Let us go!';

  it('gives the same chunks however the stream is split into tokens', () => {
    const whole = splitSentences(text);
    let seed = 12345;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let trial = 0; trial < 50; trial++) {
      const tokens: string[] = [];
      for (let i = 0; i < text.length; ) {
        const n = 1 + Math.floor(random() * 6);
        tokens.push(text.slice(i, i + n));
        i += n;
      }
      expect(stream(tokens).all).toEqual(whole);
    }
  });

  it('loses and adds no text', () => {
    expect(splitSentences(text).join(' ')).toBe(text.replace(/\s+/g, ' ').trim());
  });

  it('reset discards the unspoken rest', () => {
    const c = new SentenceChunker();
    c.push('This will be interrupted before it ends');
    c.reset();
    expect(c.push('New reply here. ')).toEqual(['New reply here.']);
    expect(c.flush()).toEqual([]);
  });
});
