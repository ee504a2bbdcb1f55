import { mkdtempSync, readFileSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execAdapter } from '../../../activities/adapters/exec';
import { FAILURES } from '../../../src/plan/failures';
import { failureOf, issuesOf, makeContext, run } from './adapter-context';

type ExecOutput = { exitCode: number; stdout: string; stderr: string; durationMs: number; stdoutTruncated?: boolean };

const node = process.execPath;

/** Running, not a zombie: an orphan killed in a container may wait long for PID 1 to reap it. */
function isAlive(pid: number): boolean {
  try {
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
    return state !== undefined && state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

async function waitUntilDead(pid: number, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !isAlive(pid);
}

describe('exec adapter', () => {
  it('runs a program and captures stdout, stderr, exit code and duration', async () => {
    const output = (await run(execAdapter, { argv: ['/bin/echo', 'hello', 'dr'] })) as ExecOutput;
    expect(output).toEqual({ exitCode: 0, stdout: 'hello dr\n', stderr: '', durationMs: expect.any(Number) });
  });

  it('passes each argv element literally: no shell, no splitting, no expansion', async () => {
    const tricky = ['a b', 'x; touch /tmp/drillbook-pwned', '$(whoami)', '`id`', '*', '$HOME', '"quoted"', '|', '&& false'];
    const output = (await run(execAdapter, {
      argv: [node, '-e', 'process.stdout.write(JSON.stringify(process.argv.slice(1)))', ...tricky],
    })) as ExecOutput;
    expect(JSON.parse(output.stdout)).toEqual(tricky);

    // A shell-like string as argv[0] is one program name, which does not exist.
    const failure = await failureOf(run(execAdapter, { argv: ['echo hi; echo pwned'] }));
    expect(failure.type).toBe(FAILURES.ProcessSpawnFailed);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain('ENOENT');
  });

  it('fails ProcessExitCode, retryable, with the output in the details; expectExitCode accepts others', async () => {
    const argv = [node, '-e', 'console.log("partial"); console.error("replica not ready"); process.exit(3)'];
    const failure = await failureOf(run(execAdapter, { argv }));
    expect(failure.type).toBe(FAILURES.ProcessExitCode);
    expect(failure.nonRetryable).toBe(false);
    expect(failure.message).toContain('exited with 3, expected 0: replica not ready');
    expect(failure.details?.[0]).toMatchObject({ exitCode: 3, stdout: 'partial\n', stderr: 'replica not ready\n' });

    await expect(run(execAdapter, { argv, expectExitCode: [0, 3] })).resolves.toMatchObject({ exitCode: 3 });
  });

  it('feeds stdin, sets cwd, and gives the process only an allow-list of the worker environment', async () => {
    process.env.DRILLBOOK_SECRET_TEST_WORKER_ONLY = 'worker-credential';
    process.env.DRILLBOOK_SECRET_TEST_EXEC_SECRET = 'pg-password-99';
    const dir = realpathSync(mkdtempSync(join(tmpdir(), 'drillbook-exec-')));
    const script = `
      let input = '';
      process.stdin.on('data', (c) => (input += c)).on('end', () => console.log(JSON.stringify({
        input, cwd: process.cwd(), site: process.env.SITE, leaked: process.env.DRILLBOOK_SECRET_TEST_WORKER_ONLY ?? null,
        hasPath: Boolean(process.env.PATH), password: process.env.PGPASSWORD })));`;
    const output = (await run(execAdapter, {
      argv: [node, '-e', script],
      stdin: 'line one\nline two',
      cwd: dir,
      env: { SITE: 'dr' },
      envFromSecrets: { PGPASSWORD: 'env:DRILLBOOK_SECRET_TEST_EXEC_SECRET' },
    })) as ExecOutput;
    expect(JSON.parse(output.stdout)).toEqual({
      input: 'line one\nline two',
      cwd: dir,
      site: 'dr',
      leaked: null,
      hasPath: true,
      password: '[redacted:env:DRILLBOOK_SECRET_TEST_EXEC_SECRET]',
    });
    expect(output.stdout).not.toContain('pg-password-99');
  });

  it('kills the whole process group on timeout, retryable', async () => {
    // The child starts a grandchild that would outlive it if only the child were killed.
    const script = `
      const { spawn } = require('node:child_process');
      const grandchild = spawn('sleep', ['30'], { stdio: 'ignore' });
      console.log(grandchild.pid);
      setInterval(() => {}, 1000);`;
    const startedAt = Date.now();
    const failure = await failureOf(run(execAdapter, { argv: [node, '-e', script], timeoutMs: 800 }));
    expect(failure.type).toBe(FAILURES.AdapterTimedOut);
    expect(failure.nonRetryable).toBe(false);
    expect(Date.now() - startedAt).toBeLessThan(5_000);
    const grandchildPid = Number((failure.details?.[0] as ExecOutput).stdout.trim());
    expect(grandchildPid).toBeGreaterThan(0);
    expect(await waitUntilDead(grandchildPid, 2_000)).toBe(true);
  });

  it('sends SIGKILL after the grace period to a process that ignores SIGTERM', async () => {
    const script = `process.on('SIGTERM', () => console.log('ignoring SIGTERM')); console.log('up'); setInterval(() => {}, 1000);`;
    const startedAt = Date.now();
    const failure = await failureOf(
      run(execAdapter, { argv: [node, '-e', script], timeoutMs: 500, killGraceMs: 300 }),
    );
    expect(failure.type).toBe(FAILURES.AdapterTimedOut);
    expect(failure.details?.[0]).toMatchObject({ exitCode: null, signal: 'SIGKILL' });
    expect((failure.details?.[0] as ExecOutput).stdout).toContain('ignoring SIGTERM');
    expect(Date.now() - startedAt).toBeLessThan(3_000);
  });

  it('stops the process when the signal aborts, rethrowing its reason, having heartbeated', async () => {
    const ctx = makeContext();
    const reason = new Error('activity cancelled');
    setTimeout(() => ctx.controller.abort(reason), 1_300);
    const startedAt = Date.now();
    await expect(run(execAdapter, { argv: ['sleep', '30'] }, ctx)).rejects.toBe(reason);
    expect(Date.now() - startedAt).toBeLessThan(4_000);
    expect(ctx.heartbeats.length).toBeGreaterThanOrEqual(2);
    expect(ctx.heartbeats[0]).toMatchObject({ processGroup: expect.any(Number) });
    expect(ctx.heartbeats.at(-1)).toMatchObject({ pid: expect.any(Number) });
  });

  it('keeps the head and tail of a long output', async () => {
    const script = `process.stdout.write('BEGIN' + 'x'.repeat(200 * 1024) + 'END')`;
    const output = (await run(execAdapter, { argv: [node, '-e', script] })) as ExecOutput;
    expect(output.stdoutTruncated).toBe(true);
    expect(output.stdout.startsWith('BEGIN')).toBe(true);
    expect(output.stdout.endsWith('END')).toBe(true);
    expect(output.stdout).toMatch(/bytes omitted/);
    expect(output.stdout.length).toBeLessThan(40 * 1024);
  });

  it('refuses a shell string, empty argv, unknown keys, relative cwd and secret values', () => {
    expect(issuesOf(execAdapter, { argv: 'pg_ctl promote -D /data; rm -rf /' })).toHaveLength(1);
    expect(issuesOf(execAdapter, { argv: [] })).toHaveLength(1);
    expect(issuesOf(execAdapter, { argv: [''] })).toHaveLength(1);
    expect(issuesOf(execAdapter, { argv: ['ls'], shell: true })).toEqual([expect.stringContaining('Unrecognized key')]);
    expect(issuesOf(execAdapter, { argv: ['ls'], cwd: 'relative/dir' })).toHaveLength(1);
    expect(issuesOf(execAdapter, { argv: ['ls'], envFromSecrets: { TOKEN: 'plain-token' } })).toHaveLength(1);
    expect(issuesOf(execAdapter, { argv: ['ls', 'a\0b'] })).toHaveLength(1);
    // A shell-looking element is valid input: it stays one literal argument (see above).
    expect(issuesOf(execAdapter, { argv: ['/bin/echo', 'a; rm -rf /'] })).toEqual([]);
  });
});
