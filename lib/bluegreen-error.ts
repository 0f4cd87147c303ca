/**
 * The one base of the library's runtime errors (the Admin API client, the hook, `bluegreen drift`), as ky has one
 * `KyError`: catch `BluegreenError` to tell a failure we explain from a bug.
 *
 * Messages are written for someone reading a failed `cdktf deploy` at 2 a.m.: what failed, with which value, what
 * is allowed, and which construct asked for it. They never contain the admin key. (Synth-time prop errors are plain
 * `Error`s from lib/constructs/errors.ts.)
 */

/**
 * A failure whose message is complete as it is: bad hook input, a missing admin key, an unreadable stack, and, as
 * `AdminApiError`, everything the Admin API client reports.
 */
export class BluegreenError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "BluegreenError";
  }
}

/** The line a command prints for `error`: a `BluegreenError`'s message as is, anything else as an unexpected error. */
export function messageOf(error: unknown): string {
  if (error instanceof BluegreenError) return error.message;
  if (error instanceof Error) return `unexpected error: ${error.message}`;
  return `unexpected error: ${String(error)}`;
}
