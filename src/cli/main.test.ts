import { Command, InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { CommandExit, EXIT, errorMessage, exitCodeOf, UsageError } from './errors.js';
import { run } from './main.js';

describe('exit codes: one table for every command', () => {
  it('maps what ends a command to 0 done, 1 failed, 2 usage, 3 denied', () => {
    expect(exitCodeOf(new UsageError('bad flag'))).toBe(EXIT.usage);
    expect(exitCodeOf(new CommandExit(EXIT.denied))).toBe(EXIT.denied);
    expect(exitCodeOf(new Error('connection refused'))).toBe(EXIT.failed);
    expect(exitCodeOf('a string')).toBe(EXIT.failed);
    expect(exitCodeOf(null)).toBe(EXIT.failed);
  });

  it("maps commander's own usage errors to 2 and help to 0", async () => {
    const codeOf = async (args: string[]): Promise<number> => {
      const c = new Command('x').exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
      c.option('--n <n>', 'n', (v: string) => {
        throw new InvalidArgumentError(`bad ${v}`);
      });
      try {
        await c.parseAsync(args, { from: 'user' });
        return 0;
      } catch (err) {
        return exitCodeOf(err);
      }
    };
    expect(await codeOf(['--nope'])).toBe(EXIT.usage);
    expect(await codeOf(['--n', '1'])).toBe(EXIT.usage);
    expect(await codeOf(['--help'])).toBe(EXIT.ok);
  });

  it('errorMessage never throws and drops stacks', () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(errorMessage(new Error('boom'))).toBe('boom');
    expect(errorMessage('text')).toBe('text');
    expect(errorMessage({ a: 1 })).toBe('{"a":1}');
    expect(errorMessage(circular)).toBe('[object Object]');
  });
});

describe('wirespeed run()', () => {
  it('prints a usage error raised inside a command once, with exit 2', async () => {
    const { code, stderr } = await runWith('install');
    expect(code).toBe(EXIT.usage);
    expect(stderr).toBe('wirespeed: say --print: install writes the manifests to stdout for kubectl apply\n');
  });

  const runWith = async (...args: string[]) => {
    let stderr = '';
    const code = await run(['node', 'wirespeed', ...args], (t) => {
      stderr += t;
    });
    return { code, stderr };
  };

  it('exits 2 for the same kind of mistake on every command', async () => {
    const original = process.stderr.write.bind(process.stderr);
    process.stderr.write = (() => true) as typeof process.stderr.write;
    try {
      expect((await runWith('webhook', '--port', '0')).code).toBe(EXIT.usage);
      expect((await runWith('certs', '--days', '0')).code).toBe(EXIT.usage);
      expect((await runWith('inject', '--no-such-flag')).code).toBe(EXIT.usage);
      expect((await runWith('dev-cluster', 'up', '--timeout', '60')).code).toBe(EXIT.usage);
      expect((await runWith('no-such-command')).code).toBe(EXIT.usage);
      expect((await runWith('install')).code).toBe(EXIT.usage);
    } finally {
      process.stderr.write = original;
    }
  });
});
