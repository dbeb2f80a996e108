/**
 * Compiles a bench server's entry point and what it imports, with the project's own compiler options, into a
 * directory under node_modules so the compiled files resolve the project's packages (one directory per run, so
 * two runs never share one). Type errors are the job of `npm run typecheck`; this only emits.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** `entry` relative to the project root, e.g. `bench/server-process.ts`; `prefix` names the run's directory. */
export function compileEntry(
  entry: string,
  opts: { prefix: string; sourceMap?: boolean },
): { entry: string; outDir: string } {
  const cacheDir = join(projectRoot, 'node_modules', '.cache', 'wirespeed-bench');
  mkdirSync(cacheDir, { recursive: true });
  // Inside node_modules, Node stops looking for the project's package.json, so say the files are ESM here.
  writeFileSync(join(cacheDir, 'package.json'), '{"type":"module"}\n');
  const outDir = mkdtempSync(join(cacheDir, `${opts.prefix}-`));
  const config = ts.readConfigFile(join(projectRoot, 'tsconfig.json'), ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, projectRoot);
  const program = ts.createProgram({
    rootNames: [join(projectRoot, entry)],
    options: {
      ...parsed.options,
      outDir,
      rootDir: projectRoot,
      noCheck: true,
      noEmit: false,
      ...(opts.sourceMap ? { sourceMap: true } : {}),
    },
  });
  const emitted = program.emit();
  if (emitted.emitSkipped) {
    throw new Error(
      `could not compile ${entry}: ${ts.formatDiagnostics(emitted.diagnostics, {
        getCanonicalFileName: (f) => f,
        getCurrentDirectory: () => projectRoot,
        getNewLine: () => '\n',
      })}`,
    );
  }
  return { entry: join(outDir, entry.replace(/\.ts$/, '.js')), outDir };
}
