import { describe, expect, it } from 'vitest';
import { renderComponent } from './render_ssr.ts';

describe('CallSummary', () => {
  it('shows the summary under its heading, escaped', async () => {
    const html = await renderComponent('CallSummary.svelte', { summary: 'Brad and the user talked. <b>Ana</b>' });
    expect(html).toMatch(/<section [^>]*aria-labelledby="summary-h"><h2 id="summary-h"[^>]*>Summary<\/h2>/);
    expect(html).toContain('Brad and the user talked. &lt;b>Ana&lt;/b>');
  });

  it('shows nothing until there is a summary', async () => {
    expect(await renderComponent('CallSummary.svelte', { summary: null })).not.toContain('Summary');
  });
});
