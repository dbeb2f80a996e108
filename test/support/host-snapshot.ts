/**
 * A simulated host's whole state as sorted lines, `path = content` or `path -> link target` (the simulator's
 * own `/wirespeed-sim` left out), so two hosts compare exactly.
 */
import { readdir, readFile, readlink } from 'node:fs/promises';

export async function hostSnapshot(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string) => {
    for (const e of await readdir(root + rel, { withFileTypes: true })) {
      const p = `${rel}/${e.name}`;
      if (p === '/wirespeed-sim') continue;
      if (e.isSymbolicLink()) out.push(`${p} -> ${await readlink(root + p)}`);
      else if (e.isDirectory()) await walk(p);
      else out.push(`${p} = ${(await readFile(root + p, 'utf8')).trim()}`);
    }
  };
  await walk('');
  return out.sort();
}
