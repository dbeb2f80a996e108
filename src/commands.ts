import type { Command } from 'commander';

/** Every `wirespeed` sub-command, in the order `wirespeed --help` lists them. */
export function commands(): Command[] {
  return [];
}
