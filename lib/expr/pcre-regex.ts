/**
 * PCRE matching for `~~` / `~*` (APISIX runs `ngx.re.find(subject, pattern, "jo")`), safe against request values
 * chosen by a client.
 *
 * Every pattern RE2 can express runs on re2js (a JavaScript port of RE2): linear time in the subject, whatever the
 * pattern, with no limit on the subject's length. RE2's syntax is PCRE's without the backtracking-only features and
 * understands `(?i)`/`(?s)`/`(?m)`/`(?U)` anywhere, `(?P<name>`, `\A`, `\z`, `\Q…\E`, `[[:alpha:]]` and `\p{L}`;
 * captureless lookbehind runs on it too. A trailing `\Z` is rewritten for it (below).
 *
 * Lookahead, backreferences, lookbehind with groups and the like only a backtracking engine can run. APISIX accepts
 * them, so they are still accepted and run on a JavaScript RegExp, but only on subjects of at most
 * BACKTRACKING_SUBJECT_LIMIT characters: a longer value is a non-match (so a `!` negated condition is true for it).
 * That bounds the worst case of one evaluation; see the constant.
 */
import { RE2JS } from "re2js";

/**
 * Longest subject (in UTF-16 code units) a backtracking-only pattern is run against. A nested quantifier such as
 * `^(?=a)(a+)+$` costs about 2^n steps on n characters: 2^16 is under 1 ms to a few ms here, 2^20 already
 * 10 ms and 2^24 over 100 ms. (Deeper nesting grows faster still; keep such patterns RE2-compatible.)
 */
export const BACKTRACKING_SUBJECT_LIMIT = 16;

/** A compiled pattern: subject → whether the pattern occurs in it (unanchored, like `ngx.re.find`). */
export type PcreMatcher = (subject: string) => boolean;

/**
 * Compiles a PCRE pattern; `caseInsensitive` for `~*`. Throws Error(`failed to compile regex '<pattern>': ...`)
 * when neither engine accepts it.
 */
export function compilePcre(pattern: string, caseInsensitive: boolean): PcreMatcher {
  const linear = compileLinear(pattern, caseInsensitive);
  if (linear) return (subject) => linear.test(subject);
  const re = compileBacktracking(pattern, caseInsensitive);
  return (subject) => {
    if (subject.length > BACKTRACKING_SUBJECT_LIMIT) return false;
    re.lastIndex = 0;
    return re.test(subject);
  };
}

/** The RE2 program for `pattern`, or undefined when RE2 cannot express it. */
function compileLinear(pattern: string, caseInsensitive: boolean): RE2JS | undefined {
  const flags = RE2JS.LOOKBEHINDS | (caseInsensitive ? RE2JS.CASE_INSENSITIVE : 0);
  try {
    return RE2JS.compile(rewriteTrailingZ(pattern), flags);
  } catch {
    return undefined;
  }
}

/**
 * PCRE's `\Z` (end, or before a final newline) has no RE2 equivalent. At the very end of a pattern (outside `\Q…`)
 * `\n?\z` decides the same match/no-match, since nothing after it has to match.
 */
function rewriteTrailingZ(pattern: string): string {
  if (!pattern.endsWith("\\Z") || pattern.includes("\\Q")) return pattern;
  let backslashes = 0;
  for (let i = pattern.length - 2; i >= 0 && pattern[i] === "\\"; i--) backslashes++;
  return backslashes % 2 === 1 ? `${pattern.slice(0, -2)}(?:\\n?\\z)` : pattern;
}

/** A JavaScript RegExp for the common PCRE syntax: a leading `(?imsU)`, `(?P<name>`, `\A`, `\z`, `\Z`. */
function compileBacktracking(pattern: string, caseInsensitive: boolean): RegExp {
  let source = pattern;
  let flags = caseInsensitive ? "i" : "";
  const inline = /^\(\?([imsU]+)\)/.exec(source);
  if (inline) {
    source = source.slice(inline[0].length);
    for (const f of inline[1]) {
      if ((f === "i" || f === "m" || f === "s") && !flags.includes(f)) flags += f;
    }
  }
  source = translateEscapes(source);
  try {
    return new RegExp(source, flags);
  } catch (err) {
    const detail = err instanceof Error ? err.message.replace(/^Invalid regular expression: /, "") : String(err);
    throw new Error(`failed to compile regex '${pattern}': ${detail}`);
  }
}

function translateEscapes(source: string): string {
  let out = "";
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === "\\" && i + 1 < source.length) {
      const n = source[i + 1];
      i++;
      if (!inClass && n === "A") out += "^";
      else if (!inClass && n === "z") out += "$";
      else if (!inClass && n === "Z") out += "(?=\\n?$)";
      else out += c + n;
      continue;
    }
    if (c === "[" && !inClass) inClass = true;
    else if (c === "]" && inClass) inClass = false;
    if (!inClass && c === "(" && source.startsWith("(?P<", i)) {
      out += "(?<";
      i += 3;
      continue;
    }
    out += c;
  }
  return out;
}
