/**
 * The one error type of the Admin API client and the operations built on it, a `BluegreenError`.
 *
 * Messages are written for someone reading a failed `cdktf deploy` at 2 a.m.: what failed, with which value, what
 * is allowed, and which construct asked for it. They never contain the admin key (the client redacts it).
 */
import { BluegreenError } from "../bluegreen-error";

/** What went wrong, for callers that branch on it rather than on the message. */
export type AdminApiErrorKind =
  /** The gateway answered with a non-2xx status that is not retried (or retries ran out). */
  | "http"
  /** The gateway could not be reached (refused, reset, timed out) within the retry budget. */
  | "unreachable"
  /** TLS verification failed; never retried. */
  | "tls"
  /** The gateway answered 2xx with a body that is not the expected envelope. */
  | "protocol"
  /** An existing object is not managed by us and adopt is off. */
  | "not-managed"
  /** Read-after-write found a field that differs from what was written. */
  | "verify"
  /** Bad client configuration (CA file unreadable, bad path, ...). */
  | "config";

/** What an `AdminApiError` says besides its message; each field is also a property of the error. */
export interface AdminApiErrorDetails {
  readonly kind: AdminApiErrorKind;
  /** HTTP method of the failed request, e.g. `PUT`. */
  readonly method: string;
  /** Admin API path (with query) of the failed request. */
  readonly path: string;
  /** HTTP status, when the gateway answered. */
  readonly status?: number;
  /** The gateway's `error_msg` (or `message`/`description`), when it sent one. */
  readonly errorMsg?: string;
  /** The construct that declared the object, for the reader to find it in code. */
  readonly constructPath?: string;
  /** How many HTTP attempts were made. */
  readonly attempts?: number;
  /** The underlying transport error, if any (the error's `cause`). */
  readonly cause?: unknown;
}

// The details are the error's properties: declared once, above, and merged into the class.
export interface AdminApiError extends Omit<AdminApiErrorDetails, "cause"> {}

/** Error thrown by `AdminClient` and the object-sync operations. */
export class AdminApiError extends BluegreenError {
  constructor(message: string, details: AdminApiErrorDetails) {
    const { cause, ...properties } = details;
    super(message, cause === undefined ? undefined : { cause });
    this.name = "AdminApiError";
    Object.assign(this, properties);
  }
}

/** ` (construct stack/route)` or empty: the suffix every message ends with. */
export function constructSuffix(constructPath: string | undefined): string {
  return constructPath ? ` (construct ${constructPath})` : "";
}

/**
 * Replaces every occurrence of `secret` in `text` with `***`. Secrets shorter than 4 characters are not redacted
 * (they would garble the message and are not worth protecting by substring).
 */
export function redact(text: string, secret: string | undefined): string {
  if (!secret || secret.length < 4) return text;
  return text.split(secret).join("***");
}
