/** A hook failure that is not an Admin API error (bad input, missing key); its message is printed as is. */
export class HookError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "HookError";
  }
}
