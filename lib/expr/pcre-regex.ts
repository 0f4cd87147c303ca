/**
 * Translates the common PCRE syntax used in `~~` / `~*` rules into a JavaScript RegExp (compiled once).
 * Handles leading inline flags `(?i)`/`(?s)`/`(?m)`/`(?x)`-less subsets, `(?P<name>`, `\A`, `\z`, `\Z`.
 */

/** Compiles a PCRE pattern; throws Error with a message describing the failure. */
export function compilePcre(pattern: string, caseInsensitive: boolean): RegExp {
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
