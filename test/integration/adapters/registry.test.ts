import { adapters, findAdapter } from '../../../activities/adapters';

describe('adapter registry', () => {
  it('registers each adapter under its own name', () => {
    expect(Object.keys(adapters).sort()).toEqual(['exec', 'http', 'noop', 'notify', 'postgres']);
    for (const [name, adapter] of Object.entries(adapters)) {
      expect(adapter.name).toBe(name);
      expect(findAdapter(name)).toBe(adapter);
    }
    expect(findAdapter('toString')).toBeUndefined();
    expect(findAdapter('shell')).toBeUndefined();
  });

  it('has strict schemas: an unknown key is refused by every adapter', () => {
    const minimal: Record<string, unknown> = {
      exec: { argv: ['true'] },
      http: { url: 'http://127.0.0.1/' },
      noop: {},
      notify: { url: 'http://127.0.0.1/', message: 'hi' },
      postgres: { operation: 'isInRecovery', connection: 'primary' },
    };
    for (const [name, adapter] of Object.entries(adapters)) {
      expect(adapter.input.safeParse(minimal[name]).success).toBe(true);
      const typo = adapter.input.safeParse({ ...(minimal[name] as object), timeuotMs: 5 });
      expect(typo.success).toBe(false);
      expect(typo.error?.issues[0].code).toBe('unrecognized_keys');
    }
  });
});
