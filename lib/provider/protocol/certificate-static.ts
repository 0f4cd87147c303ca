/**
 * The certificate template the build computed: in the bundled provider, scripts/bundle.ts replaces this module with
 * one holding `buildCertificateTemplate()`'s result, so a provider process never loads asn1js. Run from the sources
 * (tests), there is none, and certificate-template.ts builds it at first use.
 */
import type { CertificateTemplate } from "./certificate-template";

export const STATIC_CERTIFICATE_TEMPLATE: CertificateTemplate | undefined = undefined;
