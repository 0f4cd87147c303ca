/**
 * The two files of each bundled program Terraform starts (the hook, the provider): the launcher Terraform runs,
 * `<name>.cjs`, and beside it the program it loads through the V8 code cache, `<name>.program.cjs`
 * (program-loader.ts). Pure: names only.
 */

/** The program file beside `launcherFile`: `bluegreen-hook.cjs` -> `bluegreen-hook.program.cjs`. */
export function programFileOf(launcherFile: string): string {
  if (!launcherFile.endsWith(".cjs")) throw new Error(`a bundled program's launcher must be a .cjs file, got ${launcherFile}`);
  return `${launcherFile.slice(0, -".cjs".length)}.program.cjs`;
}
