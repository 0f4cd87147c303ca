/** STUB: replaced by the gateway work. */
export async function runGatewayCommand(_args: readonly string[]): Promise<number> {
  process.stderr.write("bluegreen gateway: not implemented yet\n");
  return 1;
}
