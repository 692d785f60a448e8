import { describe, expect, it } from 'vitest';
import { AnswerReceipts } from '../../src/util/answer-receipts.js';

describe('answer receipts', () => {
  it('run what waits once the answer is out, once', () => {
    const r = new AnswerReceipts();
    const ran: string[] = [];
    r.onDelivered(() => ran.push('a'));
    r.delivered();
    r.delivered();
    expect(ran).toEqual(['a']);
  });

  // Found by an adversarial review (2026-12-07): a script's call it did not await ended after the script's
  // answer was out; what it left to run then never ran, its journal run stayed open for a day, and the same
  // call in a later script sent nothing.
  it('work that comes to wait after the answer is out runs at once; after a withdrawal, it waits again', () => {
    const r = new AnswerReceipts();
    const ran: string[] = [];
    r.delivered();
    r.onDelivered(() => ran.push('late'));
    expect(ran).toEqual(['late']);
    r.withdrawn();
    r.onDelivered(() => ran.push('after withdrawal'));
    expect(ran).toEqual(['late']);
    r.delivered();
    expect(ran).toEqual(['late', 'after withdrawal']);
  });
});
