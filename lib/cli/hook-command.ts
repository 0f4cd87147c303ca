/** STUB: replaced by the hook work. */
export async function runHookCommand(_args: readonly string[]): Promise<number> {
  process.stderr.write("bluegreen hook: not implemented yet\n");
  return 1;
}
