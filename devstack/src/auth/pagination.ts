// Admin user listing pages, as GoTrue's paginate() and addPaginationHeaders() do them.
import { errors } from './errors.ts';

export interface Page {
  page: number;
  perPage: number;
}

function parsePositive(raw: string | null, name: string, fallback: number): number {
  if (raw === null || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) {
    throw errors.validation(`Bad Pagination Parameters: ${name} must be a whole number of at least 1, got "${raw}"`);
  }
  return Number(raw);
}

export function parsePage(params: URLSearchParams): Page {
  const page = parsePositive(params.get('page'), 'page', 1);
  const perPage = Math.min(parsePositive(params.get('per_page'), 'per_page', 50), 1000);
  return { page, perPage };
}

/** The Link header auth-js parses: "page" must come first in each URL's query (auth-js reads the digit after "="). */
export function paginationLink(baseUrl: string, page: Page, total: number): string {
  const lastPage = Math.max(1, Math.ceil(total / page.perPage));
  const link = (p: number, rel: string) => `<${baseUrl}?page=${p}&per_page=${page.perPage}>; rel="${rel}"`;
  const links: string[] = [];
  if (page.page < lastPage) links.push(link(page.page + 1, 'next'));
  links.push(link(lastPage, 'last'));
  return links.join(', ');
}
