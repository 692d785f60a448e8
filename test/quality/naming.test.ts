import { describe, expect, it } from 'vitest';
import { checkNaming, eventNameProblem, words } from '../../src/quality/naming.js';
import { Findings } from '../../src/quality/findings.js';

const naming = (type: string, message: Record<string, unknown>, style: 'snake' | 'camel' | 'off' = 'snake') => {
  const out = new Findings();
  checkNaming(type, message, style, 3, out);
  return out.listed;
};

describe('event names: "Object Action" in Title Case', () => {
  it.each([
    ['order completed', 'Order Completed'],
    ['order_completed', 'Order Completed'],
    ['orderCompleted', 'Order Completed'],
    ['ORDER COMPLETED', 'Order Completed'],
    ['Order  completed', 'Order Completed'],
    ['product added to cart', 'Product Added to Cart'],
    ['API key created', 'API Key Created'],
  ])('"%s" is reported with the fix "%s"', (name, fix) => {
    const found = naming('track', { event: name });
    expect(found).toEqual([expect.objectContaining({ index: 3, severity: 'warning', kind: 'naming', field: 'event', fix })]);
    expect(found[0]!.message).toContain(name);
  });

  it.each(['Order Completed', 'Signed Up', 'Product Added to Wishlist', 'Checkout Step 2 Viewed', 'iOS App Opened', 'API Key Created'])('"%s" passes', (name) => {
    expect(eventNameProblem(name)).toBeNull();
    expect(naming('track', { event: name })).toEqual([]);
  });

  it('a one-word name asks for the object and the action, without inventing a fix', () => {
    const [f] = naming('track', { event: 'checkout' });
    expect(f).toMatchObject({ field: 'event', kind: 'naming' });
    expect(f!.fix).toBeUndefined();
    expect(f!.message).toMatch(/object and what happened/);
  });

  it('only track events are names to check: page and screen names are left alone', () => {
    expect(naming('page', { name: 'pricing page' })).toEqual([]);
    expect(naming('screen', { name: 'cart' })).toEqual([]);
  });

  it('splits names written every way into words', () => {
    expect(words('HTTPStatusCode')).toEqual(['HTTP', 'Status', 'Code']);
    expect(words('order-total_usd')).toEqual(['order', 'total', 'usd']);
  });
});

describe('property and trait keys', () => {
  it('snake_case: camel, Pascal, spaced and dashed keys are reported with the snake_case fix, nested ones too', () => {
    const found = naming('track', { event: 'Order Completed', properties: { OrderTotal: 1, 'coupon code': 'x', 'shipping-method': 'y', order_id: 'o1', products: [{ productId: 'p1' }], meta: { itemCount: 2 } } });
    expect(found.map((f) => [f.field, f.fix])).toEqual([
      ['properties.OrderTotal', 'order_total'],
      ['properties.coupon code', 'coupon_code'],
      ['properties.shipping-method', 'shipping_method'],
      ['properties.products.0.productId', 'product_id'],
      ['properties.meta.itemCount', 'item_count'],
    ]);
    expect(found.every((f) => f.severity === 'warning' && f.kind === 'naming')).toBe(true);
  });

  it('snake_case keys pass, and so do the traits Segment reserves with their own spelling', () => {
    expect(naming('track', { event: 'Order Completed', properties: { order_id: 'o1', user_email: 'hash', revenue_2025: 3 } })).toEqual([]);
    expect(naming('identify', { traits: { firstName: 'Ada', lastName: 'L', createdAt: '2026-01-01T00:00:00Z', address: { postalCode: '1' }, plan: 'pro' } })).toEqual([]);
  });

  it('traits are checked on identify and group', () => {
    expect(naming('identify', { traits: { PlanName: 'pro' } })).toEqual([expect.objectContaining({ field: 'traits.PlanName', fix: 'plan_name' })]);
    expect(naming('group', { traits: { EmployeeCount: 5 } })).toEqual([expect.objectContaining({ field: 'traits.EmployeeCount', fix: 'employee_count' })]);
  });

  it('camelCase when configured: snake keys are the ones reported', () => {
    const found = naming('track', { event: 'Order Completed', properties: { order_id: 'o1', orderTotal: 2 } }, 'camel');
    expect(found).toEqual([expect.objectContaining({ field: 'properties.order_id', fix: 'orderId' })]);
  });

  it('off: nothing is checked, event names included', () => {
    expect(naming('track', { event: 'order completed', properties: { OrderTotal: 1 } }, 'off')).toEqual([]);
  });
});
