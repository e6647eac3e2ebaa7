import { describe, expect, it } from 'vitest';
import { AuthError } from './errors.ts';
import { paginationLink, parsePage } from './pagination.ts';

describe('admin user pages', () => {
  it('defaults to page 1 of 50 and caps per_page', () => {
    expect(parsePage(new URLSearchParams(''))).toEqual({ page: 1, perPage: 50 });
    expect(parsePage(new URLSearchParams('page=&per_page='))).toEqual({ page: 1, perPage: 50 });
    expect(parsePage(new URLSearchParams('page=3&per_page=5000'))).toEqual({ page: 3, perPage: 1000 });
  });

  it('rejects non-numeric pages with validation_failed', () => {
    expect(() => parsePage(new URLSearchParams('page=abc'))).toThrow(AuthError);
    expect(() => parsePage(new URLSearchParams('per_page=0'))).toThrow(AuthError);
  });

  it('builds next/last links with page first in the query, as auth-js parses them', () => {
    expect(paginationLink('http://h/auth/v1/admin/users', { page: 1, perPage: 2 }, 5)).toBe(
      '<http://h/auth/v1/admin/users?page=2&per_page=2>; rel="next", <http://h/auth/v1/admin/users?page=3&per_page=2>; rel="last"'
    );
    expect(paginationLink('u', { page: 3, perPage: 2 }, 5)).toBe('<u?page=3&per_page=2>; rel="last"');
    expect(paginationLink('u', { page: 1, perPage: 50 }, 0)).toBe('<u?page=1&per_page=50>; rel="last"');
  });
});
