import { describe, expect, it } from 'vitest';
import { keyPath, parseForm } from './form.ts';

describe('Stripe form encoding', () => {
  it('splits bracketed keys', () => {
    expect(keyPath('line_items[0][price_data][unit_amount]')).toEqual(['line_items', '0', 'price_data', 'unit_amount']);
    expect(keyPath('amount')).toEqual(['amount']);
  });

  it('nests objects and turns numeric keys into arrays, as stripe-node encodes them', () => {
    const body = 'mode=payment&metadata[user_id]=u1&line_items[0][price_data][unit_amount]=500'
      + '&line_items[0][price_data][product_data][name]=Pack%20%26%20more&line_items[0][quantity]=2'
      + '&line_items[1][price]=price_1&expand[0]=payment_intent&expand[1]=customer';
    expect(parseForm(body)).toEqual({
      mode: 'payment',
      metadata: { user_id: 'u1' },
      line_items: [
        { price_data: { unit_amount: '500', product_data: { name: 'Pack & more' } }, quantity: '2' },
        { price: 'price_1' }
      ],
      expand: ['payment_intent', 'customer']
    });
  });

  it('accepts percent-encoded brackets and empty-bracket appends', () => {
    expect(parseForm('metadata%5Bk%5D=v&tags[]=a&tags[]=b')).toEqual({ metadata: { k: 'v' }, tags: ['a', 'b'] });
  });
});
