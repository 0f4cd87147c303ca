/**
 * Plain patterns and lists shared by the zod schemas (classic and `zod/mini`) and the hook input, in a module that
 * loads no zod: the bundled hook takes what it needs from here without pulling in the classic schemas of common.ts.
 */

/** HTTP methods a route may restrict itself to (`method_schema`). */
export const HTTP_METHODS = [
  "GET",
  "POST",
  "PUT",
  "DELETE",
  "PATCH",
  "HEAD",
  "OPTIONS",
  "CONNECT",
  "TRACE",
  "PURGE",
] as const;

/** Request header names nginx exposes as `$http_<name>` variables: letters, digits and `-`. */
export const HEADER_NAME_PATTERN = /^[A-Za-z0-9-]+$/;

/** Environment variable names (the variable that holds the admin key). */
export const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
