/**
 * Path text, compared only after normalising: `/etc`, `/./etc`, `//etc/` are one path, so neither the
 * podnetinfo clash check nor the host-path allow-list can be passed by spelling a path differently.
 */

/**
 * A NAD's or an administrator's absolute path, normalised: repeated and trailing slashes and `.` segments
 * removed. Undefined when the text is not absolute, holds whitespace or a control character, or has a `..`
 * segment (refused rather than resolved: what `..` means on the node depends on symlinks there).
 */
export function normalizeAbsolutePath(text: string): string | undefined {
  const p = text.trim();
  if (!p.startsWith('/') || /[\s\p{Cc}]/u.test(p)) return undefined;
  const segments: string[] = [];
  for (const segment of p.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') return undefined;
    segments.push(segment);
  }
  return `/${segments.join('/')}`;
}

/**
 * Any path as written in a pod (which the API server has already accepted), normalised lexically for
 * comparison: never fails; `..` pops a segment as the container runtime's join would.
 */
export function cleanPath(text: unknown): string {
  const p = typeof text === 'string' ? text : String(text);
  const segments: string[] = [];
  for (const segment of p.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  return `${p.startsWith('/') ? '/' : ''}${segments.join('/')}`;
}

/** Whether `path` is `dir` or below it; both normalised. */
export function isWithin(path: string, dir: string): boolean {
  if (dir === '/') return true;
  return path === dir || path.startsWith(`${dir}/`);
}
