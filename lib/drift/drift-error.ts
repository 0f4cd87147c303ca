/** A `bluegreen drift` failure that is not an Admin API error (no stack, bad input, missing key); printed as is. */
export class DriftError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DriftError";
  }
}
