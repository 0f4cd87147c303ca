/**
 * `safeParse` for the `zod/mini` schemas of the hook input, with the messages classic zod gives. `zod/mini` loads no
 * locale, so its issues read "Invalid input"; classic `zod` installs the English one when it loads. A parse that
 * fails installs it too (the same global setting) and parses again, so a valid input, the hook's every run, pays
 * nothing for messages.
 */
import { config, type core, safeParse } from "zod/mini";
import { en } from "zod/v4/locales";

/** Parses `data`; a failure carries zod's English messages. */
export function safeParseWithMessages<T extends core.$ZodType>(schema: T, data: unknown): ReturnType<typeof safeParse<T>> {
  const parsed = safeParse(schema, data);
  if (parsed.success || config().localeError !== undefined) return parsed;
  config(en());
  return safeParse(schema, data);
}
