import { describe, expect, it } from 'vitest';
import { renderComponent } from './components/render_ssr.ts';
import { linkParts } from './link_parts.ts';

describe('linkParts', () => {
  it('turns each address into a link, leaving the sentence around it as text', () => {
    expect(linkParts('Finish or cancel it (http://127.0.0.1:56021/checkout/cs_test_abc) before starting another.')).toEqual([
      { text: 'Finish or cancel it (' },
      { text: 'http://127.0.0.1:56021/checkout/cs_test_abc', href: 'http://127.0.0.1:56021/checkout/cs_test_abc' },
      { text: ') before starting another.' }
    ]);
    expect(linkParts('See https://example.com/help.')).toEqual([{ text: 'See ' }, { text: 'https://example.com/help', href: 'https://example.com/help' }, { text: '.' }]);
    expect(linkParts('No address here.')).toEqual([{ text: 'No address here.' }]);
  });

  it('never makes a link of anything but http(s), and renders no markup from the sentence', async () => {
    expect(linkParts('javascript:alert(1) and <b>x</b>')).toEqual([{ text: 'javascript:alert(1) and <b>x</b>' }]);
    const html = await renderComponent('LinkedText.svelte', { text: 'Open http://x.test/a?b=1&c=2 or <script>' });
    expect(html).toContain('<a href="http://x.test/a?b=1&amp;c=2">http://x.test/a?b=1&amp;c=2</a>');
    expect(html).toContain('&lt;script>');
    expect(html).toMatch(/class="linked/);
  });
});
