import { describe, expect, it } from 'vitest';
import { MAX_RUN_TAG_LENGTH, runTag, runTags } from '../../src/main/core/evaluation/wandbLog';
import { MAX_RUN_TAG_LENGTH as SIM_MAX } from '../../src/main/sim/wandb/state';

describe('evaluation run tags', () => {
  it('keeps a tag of up to 64 characters as it is, whitespace collapsed', () => {
    expect(MAX_RUN_TAG_LENGTH).toBe(SIM_MAX);
    expect(runTag('  claude-sonnet-5-5 ')).toBe('claude-sonnet-5-5');
    expect(runTag('release\tcandidate \n 2')).toBe('release candidate 2');
    expect(runTag('x'.repeat(64))).toBe('x'.repeat(64));
    expect(runTag('😀'.repeat(64))).toBe('😀'.repeat(64)); // 128 UTF-16 units, 64 characters
    expect(runTag(' \t ')).toBeNull();
  });

  it('cuts a longer one to 64 characters without splitting a character, and keeps two long names apart', () => {
    const a = runTag(`${'😀'.repeat(70)}a`)!;
    const b = runTag(`${'😀'.repeat(70)}b`)!;
    expect([...a]).toHaveLength(64);
    expect(a).toMatch(/^(😀){55}~[0-9a-f]{8}$/);
    expect(a).not.toBe(b);
    expect(runTag(`${'m'.repeat(54)} ${'v'.repeat(20)}`)).toMatch(/^m{54}~[0-9a-f]{8}$/); // no space before the ~
    expect(runTag('n'.repeat(200))).toBe(runTag('n'.repeat(200)));
  });

  it('drops empty tags and repeats', () => {
    expect(runTags(['detector', ' ', 'detector ', 'v1'])).toEqual(['detector', 'v1']);
  });
});
