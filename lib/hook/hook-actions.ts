/**
 * The actions Terraform's provisioners ask the hook for (`bluegreen hook <action>`), apart from the hook itself so
 * that the CLI checks an action without loading it.
 */
export const HOOK_ACTIONS = ["apply", "destroy", "sweep", "teardown"] as const;
export type HookAction = (typeof HOOK_ACTIONS)[number];

/** Whether `value` is one of `HOOK_ACTIONS`. */
export function isHookAction(value: string | undefined): value is HookAction {
  return (HOOK_ACTIONS as readonly (string | undefined)[]).includes(value);
}
