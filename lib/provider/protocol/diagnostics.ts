/** `Diagnostic` messages: from a provider's diagnostics and from errors thrown by its handlers. */
import type { Diagnostic } from "./provider-definition";
import type { WireMessage } from "./wire-services";

const SEVERITY = { error: 1, warning: 2 } as const;

export function diagnosticMessage(diagnostic: Diagnostic): WireMessage {
  return {
    severity: SEVERITY[diagnostic.severity],
    summary: diagnostic.summary,
    detail: diagnostic.detail ?? "",
    ...(diagnostic.attribute && diagnostic.attribute.length > 0 ? { attribute: attributePath(diagnostic.attribute) } : {}),
  };
}

/** An `AttributePath`: names are attribute steps, numbers list indexes. */
export function attributePath(steps: readonly (string | number)[]): WireMessage {
  return {
    steps: steps.map((step) =>
      typeof step === "number" ? { element_key_int: step } : { attribute_name: step },
    ),
  };
}

/**
 * An error thrown by a handler, as an error diagnostic: its message is the summary; the stack is added only when
 * Terraform logging is on (TF_LOG), for whoever debugs the provider.
 */
export function errorDiagnostic(error: unknown, context?: string): Diagnostic {
  const message = error instanceof Error ? error.message : String(error);
  const stack = error instanceof Error && process.env.TF_LOG ? error.stack : undefined;
  return {
    severity: "error",
    summary: message,
    ...(context || stack ? { detail: [context, stack].filter(Boolean).join("\n\n") } : {}),
  };
}

export function hasErrors(diagnostics: readonly Diagnostic[] | undefined): boolean {
  return (diagnostics ?? []).some((diagnostic) => diagnostic.severity === "error");
}
