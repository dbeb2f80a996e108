/** Runs `wirespeed <args>` in-process through the one CLI entry, capturing what it writes and its exit code. */
import { vi } from 'vitest';
import { run } from '../../src/cli/main.js';

export async function runCli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((t) => {
    stdout += String(t);
    return true;
  });
  let stderr = '';
  vi.spyOn(process.stderr, 'write').mockImplementation((t) => {
    stderr += String(t);
    return true;
  });
  try {
    const code = await run(['node', 'wirespeed', ...args], (t) => {
      stderr += t;
    });
    return { code, stdout, stderr };
  } finally {
    vi.restoreAllMocks();
  }
}
