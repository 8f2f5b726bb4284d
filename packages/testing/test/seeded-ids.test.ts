import { describe, it, expect } from 'vitest';
import { createSeededIds } from '../src/seeded-ids.js';

describe('createSeededIds', () => {
  it('produces the same UUID v4 sequence for the same seed', () => {
    const a = createSeededIds(1);
    const b = createSeededIds('1');
    const seqA = Array.from({ length: 50 }, () => a.uuid());
    const seqB = Array.from({ length: 50 }, () => b.uuid());
    expect(seqA).toEqual(seqB);
    expect(new Set(seqA).size).toBe(50);
    for (const id of seqA)
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(createSeededIds(2).uuid()).not.toBe(seqA[0]);
  });
});
